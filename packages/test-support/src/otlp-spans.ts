import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** One span as an OTLP/HTTP receiver got it; ids in lowercase hex ("" when absent). */
export interface ReceivedSpan {
  serviceName: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Calls onField for each field of a message, which must read or skip its value. */
export function eachField(bytes: Uint8Array, onField: (no: number, type: WireType, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (!onField(no, type, reader)) reader.skip(type);
  }
}

export function keyValue(bytes: Uint8Array): [string, string | number | boolean] {
  let key = "";
  let value: string | number | boolean = "";
  eachField(bytes, (no, _type, r) => {
    if (no === 1) key = r.string();
    else if (no === 2)
      eachField(r.bytes(), (vno, _t, v) => {
        if (vno === 1) value = v.string();
        else if (vno === 2) value = v.bool();
        else if (vno === 3) value = Number(v.int64());
        else if (vno === 4) value = v.double();
        else return false;
        return true;
      });
    else return false;
    return true;
  });
  return [key, value];
}

function span(bytes: Uint8Array, serviceName: string): ReceivedSpan {
  const s: ReceivedSpan = { serviceName, traceId: "", spanId: "", parentSpanId: "", name: "", kind: 0, attributes: {}, links: [] };
  eachField(bytes, (no, _type, r) => {
    if (no === 1) s.traceId = hex(r.bytes());
    else if (no === 2) s.spanId = hex(r.bytes());
    else if (no === 4) s.parentSpanId = hex(r.bytes());
    else if (no === 5) s.name = r.string();
    else if (no === 6) s.kind = r.int32();
    else if (no === 9) {
      const [key, value] = keyValue(r.bytes());
      s.attributes[key] = value;
    } else if (no === 13) {
      const link = { traceId: "", spanId: "" };
      eachField(r.bytes(), (lno, _t, l) => {
        if (lno === 1) link.traceId = hex(l.bytes());
        else if (lno === 2) link.spanId = hex(l.bytes());
        else return false;
        return true;
      });
      s.links.push(link);
    } else return false;
    return true;
  });
  return s;
}

/** The spans of an ExportTraceServiceRequest in protobuf (OTLP/HTTP's default encoding). */
export function decodeOtlpProtobuf(bytes: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  eachField(bytes, (no, _type, r) => {
    if (no !== 1) return false;
    let serviceName = "";
    const scopeSpans: Uint8Array[] = [];
    eachField(r.bytes(), (rno, _t, rs) => {
      if (rno === 1)
        eachField(rs.bytes(), (ano, _a, res) => {
          if (ano !== 1) return false;
          const [key, value] = keyValue(res.bytes());
          if (key === "service.name") serviceName = String(value);
          return true;
        });
      else if (rno === 2) scopeSpans.push(rs.bytes());
      else return false;
      return true;
    });
    for (const scope of scopeSpans) {
      eachField(scope, (sno, _s, ss) => {
        if (sno !== 2) return false;
        spans.push(span(ss.bytes(), serviceName));
        return true;
      });
    }
    return true;
  });
  return spans;
}

interface JsonKeyValue {
  key: string;
  value: { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number };
}
const jsonValue = (v: JsonKeyValue["value"]) =>
  v.stringValue ?? v.boolValue ?? (v.intValue === undefined ? (v.doubleValue ?? "") : Number(v.intValue));

/** The spans of an ExportTraceServiceRequest in OTLP's JSON encoding (ids in hex). */
export function decodeOtlpJson(text: string): ReceivedSpan[] {
  const body = JSON.parse(text) as {
    resourceSpans?: {
      resource?: { attributes?: JsonKeyValue[] };
      scopeSpans?: {
        spans?: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind?: number;
          attributes?: JsonKeyValue[];
          links?: { traceId: string; spanId: string }[];
        }[];
      }[];
    }[];
  };
  return (body.resourceSpans ?? []).flatMap((rs) => {
    const serviceName = String(jsonValue(rs.resource?.attributes?.find((a) => a.key === "service.name")?.value ?? {}));
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        serviceName,
        traceId: s.traceId.toLowerCase(),
        spanId: s.spanId.toLowerCase(),
        parentSpanId: (s.parentSpanId ?? "").toLowerCase(),
        name: s.name,
        kind: s.kind ?? 0,
        attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, jsonValue(a.value)])),
        links: (s.links ?? []).map((l) => ({ traceId: l.traceId.toLowerCase(), spanId: l.spanId.toLowerCase() })),
      })),
    );
  });
}
