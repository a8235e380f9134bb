package checkpointd_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/checkpointd/checkpointd/clients/go/checkpointd"
	checkpointdv1 "github.com/checkpointd/checkpointd/clients/go/gen/checkpointd/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// randomBytes is incompressible: what is stored is what chunking leaves, not TOAST.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Two checkpoints whose "messages" value (above the server's 8 KiB chunk
// threshold) grows by appending: its two versions share all but a few chunks,
// so the thread stores fewer bytes than it was sent.
func TestGetThreadStorageReportsLogicalAgainstStoredBytes(t *testing.T) {
	client, ctx, thread := dial(t), context.Background(), newThread(t)
	first := randomBytes(t, 40_000)
	second := append(append([]byte{}, first...), randomBytes(t, 3_000)...)
	for i, messages := range [][]byte{first, second} {
		config := thread
		if i > 0 {
			config = withID(thread, checkpointID(i))
		}
		versions := map[string]*checkpointdv1.ChannelVersion{"messages": checkpointd.IntVersion(int64(i + 1)), "step": checkpointd.IntVersion(int64(i + 1))}
		_, err := client.Put(ctx, &checkpointdv1.PutRequest{
			Config: config,
			Checkpoint: &checkpointdv1.Checkpoint{
				V: 4, Id: checkpointID(i + 1), Ts: "2026-11-23T00:00:00+00:00",
				ChannelValues: map[string]*checkpointdv1.TypedValue{
					"messages": {Type: "msgpack", Data: messages},
					"step":     {Type: "json", Data: []byte{byte('1' + i)}},
				},
				ChannelVersions: versions,
			},
			Metadata:    mustStruct(t, map[string]any{"step": i}),
			NewVersions: versions,
		})
		if err != nil {
			t.Fatalf("Put %d: %v", i+1, err)
		}
	}

	storage, err := client.GetThreadStorage(ctx, thread.ThreadId)
	if err != nil {
		t.Fatalf("GetThreadStorage: %v", err)
	}
	if !storage.GetFound() || storage.GetCheckpointCount() != 2 || len(storage.GetChannels()) != 2 {
		t.Fatalf("got %v", storage)
	}
	messages, step := storage.GetChannels()[0], storage.GetChannels()[1]
	if messages.GetChannel() != "messages" || step.GetChannel() != "step" {
		t.Fatalf("channels %q, %q; want messages, step (by name)", messages.GetChannel(), step.GetChannel())
	}
	m := messages.GetValues()
	logical := int64(len(first) + len(second))
	if m.GetCount() != 2 || m.GetChunkedCount() != 2 || m.GetLogicalBytes() != logical {
		t.Fatalf("messages: %v; want 2 chunked versions of %d bytes in all", m, logical)
	}
	if m.GetStoredBytes() < int64(len(second)) || m.GetStoredBytes() >= logical*6/10 {
		t.Fatalf("messages: %d bytes stored for %d written; want the shared chunks stored once", m.GetStoredBytes(), logical)
	}
	if s := step.GetValues(); s.GetCount() != 2 || s.GetChunkedCount() != 0 || s.GetLogicalBytes() != 2 {
		t.Fatalf("step: %v; want 2 inline versions of 1 byte", s)
	}
	if storage.GetChunkCount() == 0 || storage.GetChunkBytes() < int64(len(second)) {
		t.Fatalf("chunks: %d of %d bytes", storage.GetChunkCount(), storage.GetChunkBytes())
	}
	total := storage.GetCheckpointBytes() + m.GetLogicalBytes() + step.GetValues().GetLogicalBytes() + storage.GetPendingWrites().GetLogicalBytes()
	if storage.GetLogicalBytes() != total || storage.GetStoredBytes() >= storage.GetLogicalBytes() {
		t.Fatalf("totals: logical %d (parts add up to %d), stored %d", storage.GetLogicalBytes(), total, storage.GetStoredBytes())
	}
	t.Logf("messages: %d bytes written, %d stored; thread: %d logical, %d stored, %d chunks",
		m.GetLogicalBytes(), m.GetStoredBytes(), storage.GetLogicalBytes(), storage.GetStoredBytes(), storage.GetChunkCount())
}

func TestGetThreadStorageOfNothingAndOfNoThread(t *testing.T) {
	client, ctx := dial(t), context.Background()
	none, err := client.GetThreadStorage(ctx, newThread(t).ThreadId)
	if err != nil || none.GetFound() || none.GetCheckpointCount() != 0 || none.GetLogicalBytes() != 0 || len(none.GetChannels()) != 0 {
		t.Fatalf("a thread never written: %v, %v; want found false and zeros", none, err)
	}
	_, err = client.GetThreadStorage(ctx, "")
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "thread_id") {
		t.Fatalf("no thread id: %v; want INVALID_ARGUMENT naming thread_id", err)
	}
}
