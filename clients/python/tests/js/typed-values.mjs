// Every TypedValue of a CheckpointTuple (protobuf-es) as {type, data: base64}, keyed by where it sits.
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const typed = (value) => (value === undefined ? null : { type: value.type, data: b64(value.data) });

function versions(map) {
  return Object.fromEntries(Object.entries(map).map(([channel, v]) => [channel, { [v.kind.case]: String(v.kind.value) }]));
}

export function describeTuple(tuple) {
  const checkpoint = tuple.checkpoint;
  return {
    checkpointId: tuple.config.checkpointId,
    checkpointNs: tuple.config.checkpointNs ?? "",
    parentId: tuple.parentConfig?.checkpointId ?? null,
    channelValues: Object.fromEntries(Object.entries(checkpoint.channelValues).map(([k, v]) => [k, typed(v)])),
    channelVersions: versions(checkpoint.channelVersions),
    versionsSeen: Object.fromEntries(Object.entries(checkpoint.versionsSeen).map(([node, seen]) => [node, versions(seen.versions)])),
    updatedChannels: checkpoint.updatedChannels,
    pendingSends: checkpoint.pendingSends.map(typed),
    extra: Object.fromEntries(Object.entries(checkpoint.extra).map(([k, v]) => [k, typed(v)])),
    metadata: tuple.metadata ?? {},
    pendingWrites: tuple.pendingWrites.map((w) => ({ taskId: w.taskId, channel: w.channel, taskPath: w.taskPath, value: typed(w.value) })),
  };
}
