import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface WatchMetrics {
  /** Streaming calls (Watch, Subscribe, List) open now, by method. */
  streamsOpen(method: string): Gauge.Internal<string>;
  /** Thread events sent to followers. */
  eventsDelivered: Counter;
  /** Threads announced on the event bus by this replica. */
  busPublished: Counter;
  /** Notifications heard from the event bus (from any replica). */
  busReceived: Counter;
  /** Seconds from an event's commit to its delivery to a follower woken by the bus. */
  deliveryLag: Histogram;
  /** Streams ended because their client read nothing for `--stream-stall-ms`. */
  stalledStreams: Counter;
}

export function createWatchMetrics(registry: Registry): WatchMetrics {
  const streams = new Gauge({
    name: "checkpointd_streams_open",
    help: "Streaming calls open now, by method.",
    labelNames: ["grpc_method"],
    registers: [registry],
  });
  const children = new Map<string, Gauge.Internal<string>>();
  return {
    streamsOpen(method) {
      let child = children.get(method);
      if (child === undefined) children.set(method, (child = streams.labels(method)));
      return child;
    },
    eventsDelivered: new Counter({
      name: "checkpointd_watch_events_delivered_total",
      help: "Thread events sent to Watch and Subscribe followers.",
      registers: [registry],
    }),
    busPublished: new Counter({
      name: "checkpointd_event_bus_published_total",
      help: "Threads announced on the event bus by this replica.",
      registers: [registry],
    }),
    busReceived: new Counter({
      name: "checkpointd_event_bus_received_total",
      help: "Notifications for followed threads heard from the event bus (from any replica).",
      registers: [registry],
    }),
    deliveryLag: new Histogram({
      name: "checkpointd_watch_delivery_lag_seconds",
      help: "Seconds from an event's commit (the database's clock) to its delivery to a follower the bus woke.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    stalledStreams: new Counter({
      name: "checkpointd_streams_stalled_total",
      help: "Streams ended because their client read nothing for --stream-stall-ms.",
      registers: [registry],
    }),
  };
}
