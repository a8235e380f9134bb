import clusterKeySlot from "cluster-key-slot";

/** The Redis Cluster hash slot (0..16383) of a key, honouring `{hash tags}`. */
export function redisKeySlot(key: string): number {
  return clusterKeySlot(key);
}
