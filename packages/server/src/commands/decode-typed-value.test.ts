import { describe, expect, test } from "@jest/globals";
import { decodeTypedValue, displayValue } from "./decode-typed-value.js";
import { describeMessage, jsonDiff } from "./json-diff.js";

// Bytes LangGraph Python 4.3's JsonPlusSerializer.dumps_typed wrote for these values.
const pythonInterrupts = Buffer.from(
  "91c7480293af6c616e6767726170682e7479706573a9496e7465727275707483a576616c756581a87175657374696f6ea36f6b3fa26964a3616263af726573706f6e73655f736368656d61c0",
  "hex",
); // [Interrupt(value={"question": "ok?"}, id="abc")]
const pythonMessages = Buffer.from(
  "81a86d6573736167657391c7890594bd6c616e67636861696e5f636f72652e6d657373616765732e68756d616eac48756d616e4d65737361676586a7636f6e74656e74a26869b16164646974696f6e616c5f6b776172677380b1726573706f6e73655f6d6574616461746180a474797065a568756d616ea46e616d65c0a26964a26d31b36d6f64656c5f76616c69646174655f6a736f6e",
  "hex",
); // {"messages": [HumanMessage(content="hi", id="m1")]}

describe("decodeTypedValue", () => {
  test("LangGraph Python's msgpack extension types read as {$type, ...fields}", () => {
    expect(decodeTypedValue("msgpack", pythonInterrupts)).toEqual([
      { $type: "langgraph.types.Interrupt", value: { question: "ok?" }, id: "abc", response_schema: null },
    ]);
    const decoded = decodeTypedValue("msgpack", pythonMessages) as { messages: unknown[] };
    expect(decoded.messages[0]).toMatchObject({
      $type: "langchain_core.messages.human.HumanMessage",
      content: "hi",
      type: "human",
      id: "m1",
    });
    expect(describeMessage(decoded.messages[0])).toBe("human: hi");
  });

  test("json, null and str decode; other types and undecodable bytes show as hex", () => {
    expect(decodeTypedValue("json", new TextEncoder().encode('{"a":[1,"x"]}'))).toEqual({ a: [1, "x"] });
    expect(decodeTypedValue("null", new Uint8Array())).toBeNull();
    expect(decodeTypedValue("bytes", Uint8Array.of(0, 255))).toEqual({ $type: "bytes", hex: "00ff" });
    expect(decodeTypedValue("json", Uint8Array.of(0xff, 0x00))).toEqual({ $type: "json", hex: "ff00" });
    expect(decodeTypedValue("msgpack", Uint8Array.of(0xc1))).toEqual({ $type: "msgpack", hex: "c1" });
    expect(displayValue({ b: Uint8Array.of(1), n: 2n })).toBe('{"b":{"$bytes":"01"},"n":"2"}');
  });
});

describe("jsonDiff", () => {
  test("a list that grew shows only the added elements; objects key by key", () => {
    expect(jsonDiff({ messages: ["a"], n: 1, gone: true }, { messages: ["a", "b"], n: 2, added: null })).toEqual([
      { path: "messages[1]", op: "added", after: "b" },
      { path: "n", op: "changed", before: 1, after: 2 },
      { path: "gone", op: "removed", before: true },
      { path: "added", op: "added", after: null },
    ]);
    expect(jsonDiff({ "a b": 1 }, { "a b": 2 }, "ch")).toEqual([{ path: 'ch["a b"]', op: "changed", before: 1, after: 2 }]);
    expect(jsonDiff([1, 2], [1, 2])).toEqual([]);
  });

  test("LangChain JS messages are described by role", () => {
    expect(
      describeMessage({ lc: 1, type: "constructor", id: ["langchain_core", "messages", "AIMessage"], kwargs: { content: "yo" } }),
    ).toBe("ai: yo");
    expect(describeMessage({ role: "user", content: "hey" })).toBe("user: hey");
    expect(describeMessage("text")).toBeUndefined();
  });
});
