import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fromBinary, toBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type DescriptorProto } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { protoPath as healthProtoPath } from "grpc-health-check";
import type { GrpcJsService } from "./grpc-js-service.js";

const require = createRequire(import.meta.url);

/** Every file and, transitively, every file it imports, each once. */
function withDependencies(files: readonly DescFile[]): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  files.forEach(visit);
  return [...seen.values()];
}

const pascal = (name: string) => name.replace(/(?:^|_)([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * protobufjs (under proto-loader) names a map field's entry type after the
 * field ("Statuses"), where protoc names it "StatusesEntry"; grpcurl rejects
 * the former. Renames the entries and the references to them.
 */
function fixMapEntryNames(messages: DescriptorProto[]): void {
  for (const message of messages) {
    for (const nested of message.nestedType) {
      if (nested.options?.mapEntry !== true) continue;
      const field = message.field.find((f) => f.typeName === nested.name || f.typeName.endsWith(`.${nested.name}`));
      if (field === undefined) continue;
      const entry = `${pascal(field.name)}Entry`;
      field.typeName = field.typeName.replace(/[^.]+$/, entry);
      nested.name = entry;
    }
    fixMapEntryNames(message.nestedType);
  }
}

function protocCompatible(bytes: Buffer): Buffer {
  const file = fromBinary(FileDescriptorProtoSchema, bytes);
  fixMapEntryNames(file.messageType);
  return Buffer.from(toBinary(FileDescriptorProtoSchema, file));
}

/**
 * grpc.reflection.v1 and v1alpha through @grpc/reflection, fed with the
 * descriptors protobuf-es embeds in the generated code (no .proto files at run
 * time), plus health and reflection themselves so `grpcurl list` shows them.
 */
export function createReflectionService(files: readonly DescFile[]): GrpcJsService[] {
  const ours: PackageDefinition = {
    "checkpointd.files": {
      format: "Protocol Buffers 3",
      fileDescriptorProtos: withDependencies(files).map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto))),
    } as unknown as PackageDefinition[string],
  };
  const reflectionProtos = join(dirname(require.resolve("@grpc/reflection")), "../proto/grpc/reflection");
  const loaded = loadSync([
    healthProtoPath,
    join(reflectionProtos, "v1/reflection.proto"),
    join(reflectionProtos, "v1alpha/reflection.proto"),
  ]);
  for (const definition of Object.values(loaded)) {
    const files = (definition as { fileDescriptorProtos?: unknown }).fileDescriptorProtos;
    if (Array.isArray(files))
      (definition as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos = (files as Buffer[]).map(protocCompatible);
  }
  const reflection = new ReflectionService({ ...ours, ...loaded });

  const services: GrpcJsService[] = [];
  reflection.addToServer({
    addService: (definition, implementation) => services.push({ definition, implementation }),
  } satisfies Pick<Server, "addService">);
  return services;
}
