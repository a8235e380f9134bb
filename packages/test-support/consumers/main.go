// A Go program as a user writes it against the client module (used through a replace directive):
// a Put, then a GetTuple of the same thread. Prints what the test checks, as one JSON line.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: consumer ADDRESS THREAD_ID")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := checkpointd.Dial(ctx, os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	thread := &checkpointdv1.CheckpointConfig{ThreadId: os.Args[2]}
	saved, err := client.Put(ctx, &checkpointdv1.PutRequest{
		Config: thread,
		Checkpoint: &checkpointdv1.Checkpoint{
			V: 4, Id: "1f0c3a2e-0000-6000-8000-0000000000aa", Ts: "2026-12-02T00:00:00+00:00",
			ChannelValues:   map[string]*checkpointdv1.TypedValue{"messages": {Type: "json", Data: []byte(`["from go"]`)}},
			ChannelVersions: map[string]*checkpointdv1.ChannelVersion{"messages": checkpointd.IntVersion(1)},
		},
		NewVersions: map[string]*checkpointdv1.ChannelVersion{"messages": checkpointd.IntVersion(1)},
	})
	if err != nil {
		log.Fatal(err)
	}
	tuple, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: thread})
	if err != nil {
		log.Fatal(err)
	}
	out, err := json.Marshal(map[string]string{
		"saved":    saved.GetConfig().GetCheckpointId(),
		"latest":   tuple.GetCheckpoint().GetId(),
		"messages": string(tuple.GetCheckpoint().GetChannelValues()["messages"].GetData()),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
}
