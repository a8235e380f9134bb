import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";

/** LangGraph.js's own PostgresSaver on `url`, its tables created in `schema`. Call end() when done. */
export async function openLanggraphPostgresSaver(url: string, schema = "public"): Promise<PostgresSaver> {
  const saver = PostgresSaver.fromConnString(url, { schema });
  await saver.setup();
  return saver;
}
