import { describe, expect, it } from "@jest/globals";
import { asMessages } from "./as-message.js";
import { decodeValue, showJson, toHex } from "./decode-value.js";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

// Bytes written by LangGraph Python's JsonPlusSerializer (langgraph-checkpoint 3.x, dumps_typed).
const python = {
  messages:
    "92c7890594bd6c616e67636861696e5f636f72652e6d657373616765732e68756d616eac48756d616e4d65737361676586a7636f6e74656e74a26869b16164646974696f6e616c5f6b776172677380b1726573706f6e73655f6d6574616461746180a474797065a568756d616ea46e616d65c0a26964a26831b36d6f64656c5f76616c69646174655f6a736f6ec7b30594ba6c616e67636861696e5f636f72652e6d657373616765732e6169a941494d65737361676589a7636f6e74656e74a568656c6c6fb16164646974696f6e616c5f6b776172677380b1726573706f6e73655f6d6574616461746180a474797065a26169a46e616d65c0a26964a26131aa746f6f6c5f63616c6c7390b2696e76616c69645f746f6f6c5f63616c6c7390ae75736167655f6d65746164617461c0b36d6f64656c5f76616c69646174655f6a736f6e",
  interrupt:
    "91c7470293af6c616e6767726170682e7479706573a9496e7465727275707483a576616c756581a87175657374696f6ea36f6b3fa26964a26931af726573706f6e73655f736368656d61c0",
  datetimeAndUuid:
    "82a47768656ec73b0394a86461746574696d65a86461746574696d65b9323032362d30312d30325430333a30343a30352b30303a3030ad66726f6d69736f666f726d6174a26964c72d0093a475756964a455554944d9203132333435363738313233343536373831323334353637383132333435363738",
};

describe("decodeValue", () => {
  it("shows Python's msgpack messages (pydantic v2 ext) as messages", () => {
    const decoded = decodeValue("msgpack", hex(python.messages));
    expect(decoded.kind).toBe("decoded");
    const value = decoded.kind === "decoded" ? decoded.value : undefined;
    expect(value).toEqual([
      expect.objectContaining({
        $type: "langchain_core.messages.human.HumanMessage",
        content: "hi",
        id: "h1",
        $method: "model_validate_json",
      }),
      expect.objectContaining({ $type: "langchain_core.messages.ai.AIMessage", content: "hello", id: "a1" }),
    ]);
    expect(asMessages(value)).toEqual([
      { role: "human", content: "hi", id: "h1", toolCalls: [] },
      { role: "ai", content: "hello", id: "a1", toolCalls: [] },
    ]);
  });

  it("shows an Interrupt (keyword-args ext), a datetime (method ext) and a UUID (single-arg ext) readably", () => {
    const interrupt = decodeValue("msgpack", hex(python.interrupt));
    expect(interrupt).toEqual({
      kind: "decoded",
      type: "msgpack",
      value: [{ $type: "langgraph.types.Interrupt", value: { question: "ok?" }, id: "i1", response_schema: null }],
    });
    expect(decodeValue("msgpack", hex(python.datetimeAndUuid))).toEqual({
      kind: "decoded",
      type: "msgpack",
      value: {
        when: { $type: "datetime.datetime", $args: "2026-01-02T03:04:05+00:00", $method: "fromisoformat" },
        id: { $type: "uuid.UUID", $args: "12345678123456781234567812345678" },
      },
    });
  });

  it("decodes JS's json; keeps unknown types and undecodable bytes as hex", () => {
    const json = new TextEncoder().encode(
      JSON.stringify({ lc: 1, type: "constructor", id: ["langchain_core", "messages", "AIMessage"], kwargs: { content: "yo" } }),
    );
    const decoded = decodeValue("json", json);
    expect(decoded.kind === "decoded" && asMessages([decoded.value])).toEqual([
      { role: "ai", content: "yo", id: undefined, toolCalls: [] },
    ]);
    expect(decodeValue("bytes", Uint8Array.of(0, 255, 16))).toEqual({ kind: "raw", type: "bytes", hex: "00ff 10", size: 3 });
    const broken = decodeValue("json", Uint8Array.of(0x7b, 0xff));
    expect(broken).toEqual(expect.objectContaining({ kind: "raw", hex: "7bff", error: expect.stringContaining("cannot decode as json") }));
    expect(decodeValue("msgpack", Uint8Array.of(0xc1)).kind).toBe("raw");
  });

  it("bounds hex and prints bigints and bytes inside JSON", () => {
    expect(toHex(new Uint8Array(10), 4)).toBe("0000 0000 …");
    expect(showJson({ n: 12345678901234567890n, b: Uint8Array.of(1, 2) }, 0)).toBe('{"n":"12345678901234567890","b":"<2 bytes: 0102>"}');
  });
});
