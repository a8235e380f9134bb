import type { CheckpointTuple as ProtoCheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { PruneStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { createCheckpointdClient, type CheckpointdClient, type CheckpointdClientOptions } from "@checkpointd/client";
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  TASKS,
  maxChannelVersion,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type DeltaChannelHistory,
  type PendingWrite,
  type SerializerProtocol,
} from "@langchain/langgraph-checkpoint";
import { encodeChannelVersions } from "./channel-version-codec.js";
import { nextChannelVersion } from "./next-channel-version.js";
import { fencingTokenHeader } from "@checkpointd/client";
import { ThreadLeases, type SingleWriterOptions } from "./thread-leases.js";
import {
  decodeCheckpoint,
  decodeMetadata,
  dumpValue,
  encodeCheckpoint,
  encodeFilter,
  encodeMetadata,
  loadValue,
} from "./checkpoint-codec.js";

export interface CheckpointdSaverOptions {
  /** LangGraph's serializer (default: JsonPlusSerializer, as every LangGraph.js saver). */
  serde?: SerializerProtocol;
  /**
   * One writer per thread (issue 22): the first getTuple or put of a thread takes its lease,
   * renewed in the background, and every write carries its fencing token, so a second worker on
   * the thread (a replacement of one thought dead) cannot fork it. A lost lease throws
   * LeaseLostError in the graph. LangGraph tells a saver nothing about a run's end: call
   * releaseThread(threadId) after invoke (or close() the saver). Default off.
   */
  singleWriter?: boolean | SingleWriterOptions;
}

export type FromUrlOptions = Omit<CheckpointdClientOptions, "address"> & CheckpointdSaverOptions;

/** How prune() trims a thread. */
export type PruneMode = "keep_latest" | "delete";

/** A configurable string (thread ids are sometimes numbers in user code). */
function configurable(config: RunnableConfig | undefined, key: string): string | undefined {
  const value: unknown = config?.configurable?.[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  throw new Error(`config.configurable.${key} must be a string, got ${typeof value}`);
}

function missing(method: string, key: string): Error {
  return new Error(
    `CheckpointdSaver.${method}: config.configurable.${key} is required` +
      (key === "thread_id" ? ' (pass it when you invoke the graph: { configurable: { thread_id: "..." } })' : ""),
  );
}

/**
 * A LangGraph.js checkpointer backed by a checkpointd server: change the
 * checkpointer of a compiled graph and its state lives in a shared, cached,
 * watchable store.
 *
 * ```ts
 * const checkpointer = CheckpointdSaver.fromUrl("127.0.0.1:50051");
 * const graph = builder.compile({ checkpointer });
 * ```
 *
 * Values are stored as LangGraph's serializer writes them (`dumpsTyped`),
 * byte for byte; channel versions keep their type.
 */
export class CheckpointdSaver extends BaseCheckpointSaver {
  readonly client: CheckpointdClient;
  private readonly ownsClient: boolean;
  /** Set with `singleWriter`: the threads this saver holds. */
  readonly leases: ThreadLeases | undefined;

  /**
   * @param client a client (which the caller keeps and closes), or options to create one
   *   (which the saver owns and close() closes).
   */
  constructor(client: CheckpointdClient | CheckpointdClientOptions, options: CheckpointdSaverOptions = {}) {
    super(options.serde);
    if ("address" in client) {
      this.client = createCheckpointdClient(client);
      this.ownsClient = true;
    } else {
      this.client = client;
      this.ownsClient = false;
    }
    const { singleWriter } = options;
    this.leases =
      singleWriter === undefined || singleWriter === false
        ? undefined
        : new ThreadLeases(this.client, singleWriter === true ? {} : singleWriter);
  }

  /** Ends this saver's lease on the thread (with singleWriter): the run is over, another worker may take it. */
  async releaseThread(threadId: string): Promise<void> {
    await this.leases?.release(threadId);
  }

  /**
   * `host:port`, `http://host:port` or `https://host:port` (TLS), with the client's options:
   * `fromUrl("https://checkpointd:50051", { token, tls: { ca, cert, key } })`; `token` is a string or
   * a function (sync or async) asked before every call.
   */
  static fromUrl(url: string, options: FromUrlOptions = {}): CheckpointdSaver {
    const { serde, singleWriter, ...clientOptions } = options;
    return new CheckpointdSaver(
      { ...clientOptions, address: url },
      { ...(serde === undefined ? {} : { serde }), ...(singleWriter === undefined ? {} : { singleWriter }) },
    );
  }

  /**
   * Unique channel versions (see nextChannelVersion): the next integer plus a random fraction, so
   * that two forks of a checkpoint never store their values under the same version.
   */
  override getNextVersion(current: number | undefined): number {
    // LangGraph.js types versions as numbers (compile() takes a BaseCheckpointSaver<number>); a thread
    // LangGraph Python wrote holds strings at run time, and keeps strings.
    return nextChannelVersion(current as number | string | undefined) as number;
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = configurable(config, "thread_id");
    if (threadId === undefined) return undefined;
    // A run starts by reading its thread: with singleWriter it takes the lease first, so what it reads is the latest.
    if (this.leases !== undefined) await this.leases.token(threadId);
    const checkpointId = configurable(config, "checkpoint_id");
    const tuple = await this.client.getTuple({
      config: { threadId, checkpointNs: configurable(config, "checkpoint_ns") ?? "", checkpointId: checkpointId ?? "" },
    });
    return tuple === undefined ? undefined : this.decodeTuple(tuple);
  }

  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { limit, before, filter } = options;
    if (limit !== undefined && limit <= 0) return;
    const threadId = configurable(config, "thread_id");
    const checkpointNs = configurable(config, "checkpoint_ns");
    const checkpointId = configurable(config, "checkpoint_id");
    const beforeId = configurable(before, "checkpoint_id");
    const encodedFilter = encodeFilter(filter);
    const stream = this.client.list({
      config: { threadId: threadId ?? "", checkpointId: checkpointId ?? "", ...(checkpointNs === undefined ? {} : { checkpointNs }) },
      ...(encodedFilter === undefined ? {} : { filter: encodedFilter }),
      ...(beforeId === undefined ? {} : { before: { checkpointId: beforeId } }),
      ...(limit === undefined ? {} : { limit: Math.min(Math.floor(limit), 2 ** 31 - 1) }),
    });
    for await (const tuple of stream) yield await this.decodeTuple(tuple);
  }

  /**
   * LangGraph's DeltaChannel history in one GetDeltaChannelHistory call: the server walks the
   * parent chain (the base class asks getTuple once per ancestor). Same result, same order.
   */
  override async getDeltaChannelHistory(options: {
    config: RunnableConfig;
    channels: string[];
  }): Promise<Record<string, DeltaChannelHistory>> {
    const { config, channels } = options;
    if (channels.length === 0) return {};
    const threadId = configurable(config, "thread_id");
    const empty = () => Object.fromEntries(channels.map((ch): [string, DeltaChannelHistory] => [ch, { writes: [] }]));
    // Without a thread, getTuple finds nothing, so the base walk returns empty histories.
    if (threadId === undefined) return empty();
    const { histories } = await this.client.getDeltaChannelHistory({
      config: {
        threadId,
        checkpointNs: configurable(config, "checkpoint_ns") ?? "",
        checkpointId: configurable(config, "checkpoint_id") ?? "",
      },
      channels,
    });
    const out = empty();
    await Promise.all(
      Object.entries(histories).map(async ([channel, history]) => {
        const writes = await Promise.all(
          history.writes.map(async (w): Promise<CheckpointPendingWrite> => [w.taskId, w.channel, await loadValue(this.serde, w.value)]),
        );
        out[channel] = history.seed === undefined ? { writes } : { writes, seed: await loadValue(this.serde, history.seed) };
      }),
    );
    return out;
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = configurable(config, "thread_id");
    if (threadId === undefined) throw missing("put", "thread_id");
    const checkpointNs = configurable(config, "checkpoint_ns") ?? "";
    const parentId = configurable(config, "checkpoint_id");
    const [encoded, encodedMetadata] = await Promise.all([
      encodeCheckpoint(this.serde, checkpoint, newVersions),
      encodeMetadata(this.serde, metadata),
    ]);
    const request = {
      config: { threadId, checkpointNs, checkpointId: parentId ?? "" },
      checkpoint: encoded,
      metadata: encodedMetadata,
      newVersions: encodeChannelVersions(newVersions),
    };
    const saved =
      this.leases === undefined
        ? await this.client.put(request)
        : await this.leases.fenced(threadId, (fencingToken) => this.client.put({ ...request, fencingToken }));
    return {
      configurable: {
        thread_id: saved.config?.threadId ?? threadId,
        checkpoint_ns: saved.config?.checkpointNs ?? checkpointNs,
        checkpoint_id: saved.config?.checkpointId ?? checkpoint.id,
      },
    };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ""): Promise<void> {
    const threadId = configurable(config, "thread_id");
    if (threadId === undefined) throw missing("putWrites", "thread_id");
    const checkpointId = configurable(config, "checkpoint_id");
    if (checkpointId === undefined) throw missing("putWrites", "checkpoint_id");
    const encoded = await Promise.all(writes.map(async ([channel, value]) => ({ channel, value: await dumpValue(this.serde, value) })));
    const request = {
      config: { threadId, checkpointNs: configurable(config, "checkpoint_ns") ?? "", checkpointId },
      writes: encoded,
      taskId,
      taskPath,
    };
    if (this.leases === undefined) await this.client.putWrites(request);
    else await this.leases.fenced(threadId, (fencingToken) => this.client.putWrites({ ...request, fencingToken }));
  }

  async deleteThread(threadId: string): Promise<void> {
    const token = await this.leases?.tokenIfHeld(threadId);
    await this.client.deleteThread(threadId, token === undefined ? undefined : { headers: { [fencingTokenHeader]: String(token) } });
  }

  /** Copies every checkpoint, value and write of one thread into another. */
  async copyThread(sourceThreadId: string, targetThreadId: string): Promise<void> {
    await this.client.copyThread({ sourceThreadId, targetThreadId });
  }

  /** Deletes the checkpoints whose metadata.run_id is one of runIds; returns how many. */
  async deleteForRuns(runIds: readonly string[]): Promise<number> {
    const { deleted } = await this.client.deleteForRuns({ runIds: [...runIds] });
    return Number(deleted);
  }

  /** Keeps only each namespace's latest checkpoint ("keep_latest"), or deletes the threads ("delete"). */
  async prune(threadIds: readonly string[], mode: PruneMode = "keep_latest"): Promise<void> {
    await this.client.prune({
      threadIds: [...threadIds],
      strategy: mode === "delete" ? PruneStrategy.DELETE : PruneStrategy.KEEP_LATEST,
    });
  }

  /** Closes the connection if this saver created it (fromUrl, or options). */
  async close(): Promise<void> {
    await this.leases?.releaseAll();
    if (this.ownsClient) await this.client.close();
  }

  private async decodeTuple(tuple: ProtoCheckpointTuple): Promise<CheckpointTuple> {
    if (tuple.config === undefined || tuple.checkpoint === undefined)
      throw new Error("checkpointd returned a tuple without config or checkpoint");
    const threadId = tuple.config.threadId;
    const checkpointNs = tuple.config.checkpointNs ?? "";
    const parentId = tuple.parentConfig?.checkpointId ?? "";
    const [checkpoint, metadata, pendingWrites] = await Promise.all([
      decodeCheckpoint(this.serde, tuple.checkpoint),
      decodeMetadata(this.serde, tuple.metadata),
      Promise.all(
        tuple.pendingWrites.map(async (w): Promise<CheckpointPendingWrite> => [w.taskId, w.channel, await loadValue(this.serde, w.value)]),
      ),
    ]);
    if (checkpoint.v < 4 && parentId !== "") await this.migratePendingSends(checkpoint, threadId, checkpointNs, parentId);
    const out: CheckpointTuple = {
      config: { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: tuple.config.checkpointId } },
      checkpoint,
      metadata: metadata as CheckpointMetadata,
      pendingWrites,
    };
    if (parentId !== "") out.parentConfig = { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: parentId } };
    return out;
  }

  /**
   * Checkpoints older than format 4 kept sends as the parent's TASKS writes: move
   * them into the TASKS channel, as LangGraph's own savers do when they read one.
   */
  private async migratePendingSends(checkpoint: Checkpoint, threadId: string, checkpointNs: string, parentId: string): Promise<void> {
    const parent = await this.client.getTuple({ config: { threadId, checkpointNs, checkpointId: parentId } });
    const sends = await Promise.all(
      (parent?.pendingWrites ?? []).filter((w) => w.channel === TASKS).map((w) => loadValue(this.serde, w.value)),
    );
    const values: Record<string, unknown> = checkpoint.channel_values;
    values[TASKS] = sends;
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions = {
      ...checkpoint.channel_versions,
      [TASKS]: versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined),
    };
  }
}
