package checkpointd

import checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"

// Channel versions keep their type on the wire: LangGraph.js uses numbers,
// LangGraph Python zero-padded strings. These build the oneof.

// IntVersion is a numeric channel version, as LangGraph.js writes them.
func IntVersion(v int64) *checkpointdv1.ChannelVersion {
	return &checkpointdv1.ChannelVersion{Kind: &checkpointdv1.ChannelVersion_IntValue{IntValue: v}}
}

// FloatVersion is a non-integer numeric channel version.
func FloatVersion(v float64) *checkpointdv1.ChannelVersion {
	return &checkpointdv1.ChannelVersion{Kind: &checkpointdv1.ChannelVersion_FloatValue{FloatValue: v}}
}

// StringVersion is a string channel version, as LangGraph Python writes them.
func StringVersion(v string) *checkpointdv1.ChannelVersion {
	return &checkpointdv1.ChannelVersion{Kind: &checkpointdv1.ChannelVersion_StringValue{StringValue: v}}
}
