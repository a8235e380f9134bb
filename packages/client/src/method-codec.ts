import { fromBinary, toBinary, type DescMessage, type DescMethod, type MessageShape } from "@bufbuild/protobuf";

/** What grpc-js needs to call one method: its path, and protobuf-es binary (de)serialization. */
export interface MethodCodec<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> {
  path: string;
  serialize: (message: MessageShape<I>) => Buffer;
  deserialize: (bytes: Buffer) => MessageShape<O>;
}

const codecs = new WeakMap<DescMethod, MethodCodec>();

/** The method's codec, made once per method. */
export function methodCodec<I extends DescMessage, O extends DescMessage>(method: DescMethod & { input: I; output: O }): MethodCodec<I, O> {
  let codec = codecs.get(method);
  if (codec === undefined) {
    const input: DescMessage = method.input;
    const output: DescMessage = method.output;
    codec = {
      path: `/${method.parent.typeName}/${method.name}`,
      serialize: (message: MessageShape<DescMessage>) => {
        const bytes = toBinary(input, message);
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
      deserialize: (bytes: Buffer) => fromBinary(output, bytes),
    };
    codecs.set(method, codec);
  }
  return codec as unknown as MethodCodec<I, O>;
}
