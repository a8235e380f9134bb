package checkpointd_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// dial connects to the test server (see stack_test.go).
func dial(t *testing.T) *checkpointd.Client {
	t.Helper()
	client, err := checkpointd.Dial(context.Background(), serverAddress(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// newThread is a thread no other test (or earlier run) uses, in the default
// namespace, which the server names explicitly ("") in the configs it returns.
func newThread(t *testing.T) *checkpointdv1.CheckpointConfig {
	return &checkpointdv1.CheckpointConfig{
		ThreadId:     fmt.Sprintf("go-%s-%d", t.Name(), time.Now().UnixNano()),
		CheckpointNs: proto.String(""),
	}
}

// checkpointID is the n-th id of a thread; ids sort as their numbers do, as uuid6 ids sort by time.
func checkpointID(n int) string {
	return fmt.Sprintf("1f0c3a2e-0000-6000-8000-%012d", n)
}

func withID(config *checkpointdv1.CheckpointConfig, id string) *checkpointdv1.CheckpointConfig {
	c := proto.Clone(config).(*checkpointdv1.CheckpointConfig)
	c.CheckpointId = id
	return c
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutThenGetTupleLatestAndByID(t *testing.T) {
	client, ctx, thread := dial(t), context.Background(), newThread(t)

	// Values are opaque bytes: JSON from LangGraph.js, msgpack (any bytes) from Python.
	first := &checkpointdv1.Checkpoint{
		V: 4, Id: checkpointID(1), Ts: "2026-11-23T00:00:00+00:00",
		ChannelValues: map[string]*checkpointdv1.TypedValue{
			"messages": {Type: "json", Data: []byte(`[{"role":"user","content":"hi"}]`)},
			"counter":  {Type: "msgpack", Data: []byte{0x00, 0xff, 0xc1, 0x80, 0x00}},
			"ratio":    {Type: "json", Data: []byte(`0.5`)},
		},
		ChannelVersions: map[string]*checkpointdv1.ChannelVersion{
			"messages": checkpointd.IntVersion(1),
			"counter":  checkpointd.StringVersion("00000000000000000000000000000001.0.25"),
			"ratio":    checkpointd.FloatVersion(1.5),
		},
		VersionsSeen: map[string]*checkpointdv1.ChannelVersions{
			"__input__": {Versions: map[string]*checkpointdv1.ChannelVersion{"messages": checkpointd.IntVersion(1)}},
		},
		UpdatedChannels: []string{"messages", "counter", "ratio"},
	}
	metadata := mustStruct(t, map[string]any{"source": "input", "step": -1, "parents": map[string]any{}, "tags": []any{"a", true, nil}})
	res, err := client.Put(ctx, &checkpointdv1.PutRequest{
		Config: thread, Checkpoint: first, Metadata: metadata, NewVersions: first.ChannelVersions,
	})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if want := withID(thread, first.Id); !proto.Equal(res.GetConfig(), want) {
		t.Errorf("Put returned %v, want %v", res.GetConfig(), want)
	}

	// The second checkpoint stores only "messages"; "counter" and "ratio" are referenced by version.
	second := proto.Clone(first).(*checkpointdv1.Checkpoint)
	second.Id = checkpointID(2)
	second.ChannelValues["messages"] = &checkpointdv1.TypedValue{Type: "json", Data: []byte(`[{"role":"user","content":"hi"},{"role":"ai","content":"hello"}]`)}
	second.ChannelVersions["messages"] = checkpointd.IntVersion(2)
	second.UpdatedChannels = []string{"messages"}
	secondMetadata := mustStruct(t, map[string]any{"source": "loop", "step": 0})
	if _, err := client.Put(ctx, &checkpointdv1.PutRequest{
		Config: withID(thread, first.Id), Checkpoint: second, Metadata: secondMetadata,
		NewVersions: map[string]*checkpointdv1.ChannelVersion{"messages": checkpointd.IntVersion(2)},
	}); err != nil {
		t.Fatalf("Put (second): %v", err)
	}

	latest, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: thread})
	if err != nil {
		t.Fatalf("GetTuple latest: %v", err)
	}
	want := &checkpointdv1.CheckpointTuple{
		Config: withID(thread, second.Id), Checkpoint: second, Metadata: secondMetadata,
		ParentConfig: withID(thread, first.Id),
	}
	if diff := cmpTuple(latest, want); diff != "" {
		t.Errorf("GetTuple latest differs:\n%s", diff)
	}

	byID, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: withID(thread, first.Id)})
	if err != nil {
		t.Fatalf("GetTuple by id: %v", err)
	}
	want = &checkpointdv1.CheckpointTuple{Config: withID(thread, first.Id), Checkpoint: first, Metadata: metadata}
	if diff := cmpTuple(byID, want); diff != "" {
		t.Errorf("GetTuple by id differs:\n%s", diff)
	}
	if got := byID.GetCheckpoint().GetChannelValues()["counter"].GetData(); !bytes.Equal(got, []byte{0x00, 0xff, 0xc1, 0x80, 0x00}) {
		t.Errorf("msgpack bytes came back as %x", got)
	}
	if v := byID.GetCheckpoint().GetChannelVersions()["messages"]; v.GetKind() == nil || v.GetIntValue() != 1 {
		t.Errorf("an int version came back as %v", v)
	}
}

func cmpTuple(got, want *checkpointdv1.CheckpointTuple) string {
	if got == nil {
		return "got no tuple"
	}
	if proto.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("got:\n%s\nwant:\n%s", prototext.Format(got), prototext.Format(want))
}

// putN saves checkpoints 1..n in a thread, each the child of the one before,
// with metadata {"step": i, "parity": "even"|"odd"}.
func putN(t *testing.T, client *checkpointd.Client, thread *checkpointdv1.CheckpointConfig, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		putCheckpoint(t, client, thread, i)
	}
}

// putCheckpoint saves checkpoint i of a thread as putN does, the child of checkpoint i-1.
func putCheckpoint(t *testing.T, client *checkpointd.Client, thread *checkpointdv1.CheckpointConfig, i int) {
	t.Helper()
	parity := map[bool]string{true: "even", false: "odd"}[i%2 == 0]
	config := thread
	if i > 1 {
		config = withID(thread, checkpointID(i-1))
	}
	_, err := client.Put(context.Background(), &checkpointdv1.PutRequest{
		Config: config,
		Checkpoint: &checkpointdv1.Checkpoint{
			V: 4, Id: checkpointID(i), Ts: "2026-11-23T00:00:00+00:00",
			ChannelValues:   map[string]*checkpointdv1.TypedValue{"step": {Type: "json", Data: []byte(fmt.Sprint(i))}},
			ChannelVersions: map[string]*checkpointdv1.ChannelVersion{"step": checkpointd.IntVersion(int64(i))},
		},
		Metadata:    mustStruct(t, map[string]any{"step": i, "parity": parity}),
		NewVersions: map[string]*checkpointdv1.ChannelVersion{"step": checkpointd.IntVersion(int64(i))},
	})
	if err != nil {
		t.Fatalf("Put %d: %v", i, err)
	}
}

// steps ranges over a List and returns each tuple's metadata step, checking
// that the stream is newest first and that every value came with its tuple.
func steps(t *testing.T, client *checkpointd.Client, req *checkpointdv1.ListRequest) []int {
	t.Helper()
	var got []int
	for tuple, err := range client.List(context.Background(), req) {
		if err != nil {
			t.Fatalf("List after %d tuples: %v", len(got), err)
		}
		step := int(tuple.GetMetadata().GetFields()["step"].GetNumberValue())
		if data := string(tuple.GetCheckpoint().GetChannelValues()["step"].GetData()); data != fmt.Sprint(step) {
			t.Fatalf("checkpoint %d has value %q", step, data)
		}
		if len(got) > 0 && step >= got[len(got)-1] {
			t.Fatalf("List is not newest first: %d after %d", step, got[len(got)-1])
		}
		got = append(got, step)
	}
	return got
}

func TestListStreamsPastOnePageWithFilterLimitAndBefore(t *testing.T) {
	client, thread := dial(t), newThread(t)
	const n = 150 // the server pages by 100
	putN(t, client, thread, n)

	all := steps(t, client, &checkpointdv1.ListRequest{Config: thread})
	if len(all) != n || all[0] != n || all[n-1] != 1 {
		t.Errorf("List: %d tuples from %v to %v, want %d from %d to 1", len(all), all[0], all[len(all)-1], n, n)
	}

	even := mustStruct(t, map[string]any{"parity": "even"})
	if got := steps(t, client, &checkpointdv1.ListRequest{Config: thread, Filter: even}); len(got) != n/2 || got[0] != n || got[len(got)-1] != 2 {
		t.Errorf("List with a filter: %d tuples from %d to %d, want %d from %d to 2", len(got), got[0], got[len(got)-1], n/2, n)
	}

	limited := steps(t, client, &checkpointdv1.ListRequest{Config: thread, Filter: even, Limit: proto.Int32(60)})
	if len(limited) != 60 || limited[0] != n || limited[59] != n-2*59 {
		t.Errorf("List with a filter and limit 60: %d tuples from %d to %d", len(limited), limited[0], limited[len(limited)-1])
	}

	before := steps(t, client, &checkpointdv1.ListRequest{Config: thread, Before: withID(thread, checkpointID(120)), Limit: proto.Int32(110)})
	if len(before) != 110 || before[0] != 119 || before[109] != 10 {
		t.Errorf("List before 120, limit 110: %d tuples from %d to %d, want 110 from 119 to 10", len(before), before[0], before[len(before)-1])
	}

	// Breaking out of the loop ends the call; the connection stays usable.
	seen := 0
	for _, err := range client.List(context.Background(), &checkpointdv1.ListRequest{Config: thread}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen == 5 {
			break
		}
	}
	if _, err := client.GetTuple(context.Background(), &checkpointdv1.GetTupleRequest{Config: thread}); err != nil {
		t.Errorf("GetTuple after an abandoned List: %v", err)
	}
}

func TestPutWritesAreReturnedWithTheirCheckpointAndAreIdempotent(t *testing.T) {
	client, ctx, thread := dial(t), context.Background(), newThread(t)
	putN(t, client, thread, 1)
	config := withID(thread, checkpointID(1))
	req := &checkpointdv1.PutWritesRequest{
		Config: config,
		TaskId: "task-1", TaskPath: "~__pregel_pull, agent",
		Writes: []*checkpointdv1.PendingWrite{
			{Channel: "messages", Value: &checkpointdv1.TypedValue{Type: "json", Data: []byte(`["hello"]`)}},
			{Channel: "__interrupt__", Value: &checkpointdv1.TypedValue{Type: "msgpack", Data: []byte{0x91, 0xa2, 'o', 'k'}}},
		},
	}
	for range 2 { // a retried PutWrites changes nothing
		if err := client.PutWrites(ctx, req); err != nil {
			t.Fatalf("PutWrites: %v", err)
		}
	}
	tuple, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: config})
	if err != nil {
		t.Fatalf("GetTuple: %v", err)
	}
	writes := map[string]*checkpointdv1.PendingWrite{}
	for _, w := range tuple.GetPendingWrites() {
		writes[w.GetChannel()] = w
	}
	if len(tuple.GetPendingWrites()) != 2 || len(writes) != 2 {
		t.Fatalf("pending writes: %v, want the two written", tuple.GetPendingWrites())
	}
	for _, sent := range req.Writes {
		got := writes[sent.Channel]
		if got.GetTaskId() != "task-1" || got.GetTaskPath() != req.TaskPath || !proto.Equal(got.GetValue(), sent.Value) {
			t.Errorf("pending write %s came back as %v", sent.Channel, got)
		}
	}
}

func TestMissingFieldsAreInvalidArgumentNamingTheField(t *testing.T) {
	client, ctx, thread := dial(t), context.Background(), newThread(t)
	checkpoint := &checkpointdv1.Checkpoint{V: 4, Id: checkpointID(1)}
	_, errPutNoThread := client.Put(ctx, &checkpointdv1.PutRequest{Config: &checkpointdv1.CheckpointConfig{}, Checkpoint: checkpoint})
	_, errPutNoConfig := client.Put(ctx, &checkpointdv1.PutRequest{Checkpoint: checkpoint})
	_, errPutNoID := client.Put(ctx, &checkpointdv1.PutRequest{Config: thread, Checkpoint: &checkpointdv1.Checkpoint{V: 4}})
	_, errGetNoThread := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: &checkpointdv1.CheckpointConfig{CheckpointId: "x"}})
	errWritesNoID := client.PutWrites(ctx, &checkpointdv1.PutWritesRequest{Config: thread, TaskId: "t"})
	errWritesNoTask := client.PutWrites(ctx, &checkpointdv1.PutWritesRequest{Config: withID(thread, "x")})
	var errListLimit error
	for _, err := range client.List(ctx, &checkpointdv1.ListRequest{Config: thread, Limit: proto.Int32(-1)}) {
		errListLimit = err
	}
	for _, c := range []struct {
		err   error
		field string
	}{
		{errPutNoThread, "config.thread_id"},
		{errPutNoConfig, "config.thread_id"},
		{errPutNoID, "checkpoint.id"},
		{errGetNoThread, "config.thread_id"},
		{errWritesNoID, "config.checkpoint_id"},
		{errWritesNoTask, "task_id"},
		{client.DeleteThread(ctx, ""), "thread_id"},
		{errListLimit, "limit"},
	} {
		if s := status.Convert(c.err); s.Code() != codes.InvalidArgument || !strings.Contains(s.Message(), c.field) {
			t.Errorf("got %v, want INVALID_ARGUMENT naming %s", c.err, c.field)
		}
	}
}

// Nothing found is an empty result, never NOT_FOUND.
func TestNothingFoundIsEmptyNotAnError(t *testing.T) {
	client, ctx, thread := dial(t), context.Background(), newThread(t)
	if tuple, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: thread}); tuple != nil || err != nil {
		t.Errorf("GetTuple of an unknown thread: %v, %v; want nil, nil", tuple, err)
	}
	if got := steps(t, client, &checkpointdv1.ListRequest{Config: thread}); len(got) != 0 {
		t.Errorf("List of an unknown thread: %v", got)
	}
	if err := client.DeleteThread(ctx, thread.ThreadId); err != nil {
		t.Errorf("DeleteThread of an unknown thread: %v", err)
	}

	putN(t, client, thread, 3)
	if tuple, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: withID(thread, checkpointID(99))}); tuple != nil || err != nil {
		t.Errorf("GetTuple of an unknown id: %v, %v; want nil, nil", tuple, err)
	}
	if err := client.DeleteThread(ctx, thread.ThreadId); err != nil {
		t.Fatalf("DeleteThread: %v", err)
	}
	if tuple, err := client.GetTuple(ctx, &checkpointdv1.GetTupleRequest{Config: thread}); tuple != nil || err != nil {
		t.Errorf("GetTuple after DeleteThread: %v, %v; want nil, nil", tuple, err)
	}
	if got := steps(t, client, &checkpointdv1.ListRequest{Config: thread}); len(got) != 0 {
		t.Errorf("List after DeleteThread: %v", got)
	}
}

func TestGetTupleAtReturnsTheLatestAtOrBefore(t *testing.T) {
	client, ctx, thread := dial(t), context.Background(), newThread(t)
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	parent := ""
	for i := 1; i <= 3; i++ {
		// Go's RFC 3339 with nanoseconds, in another zone each time: instants compare, not strings.
		ts := start.Add(time.Duration(i-1) * 10 * time.Minute).In(time.FixedZone("z", i*3600)).Format(time.RFC3339Nano)
		if _, err := client.Put(ctx, &checkpointdv1.PutRequest{
			Config:     withID(thread, parent),
			Checkpoint: &checkpointdv1.Checkpoint{V: 4, Id: checkpointID(i), Ts: ts},
		}); err != nil {
			t.Fatal(err)
		}
		parent = checkpointID(i)
	}
	for _, c := range []struct {
		after time.Duration
		want  string
	}{
		{15 * time.Minute, checkpointID(2)},
		{10 * time.Minute, checkpointID(2)}, // inclusive
		{10*time.Minute - time.Microsecond, checkpointID(1)},
		{25 * time.Minute, checkpointID(3)},
		{-time.Second, ""}, // before the first
	} {
		tuple, err := client.GetTupleAt(ctx, thread, start.Add(c.after))
		if err != nil {
			t.Fatalf("GetTupleAt(+%v): %v", c.after, err)
		}
		if got := tuple.GetConfig().GetCheckpointId(); got != c.want {
			t.Errorf("GetTupleAt(+%v) = %q, want %q", c.after, got, c.want)
		}
	}
	_, err := client.GetTupleAt(ctx, withID(thread, checkpointID(1)), start)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "as_of and config.checkpoint_id") {
		t.Errorf("GetTupleAt with a checkpoint id: %v; want INVALID_ARGUMENT naming both", err)
	}
}
