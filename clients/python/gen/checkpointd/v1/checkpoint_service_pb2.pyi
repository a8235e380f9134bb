import datetime

from checkpointd.v1 import checkpoint_pb2 as _checkpoint_pb2
from checkpointd.v1 import watch_pb2 as _watch_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PruneStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRUNE_STRATEGY_UNSPECIFIED: _ClassVar[PruneStrategy]
    PRUNE_STRATEGY_KEEP_LATEST: _ClassVar[PruneStrategy]
    PRUNE_STRATEGY_DELETE: _ClassVar[PruneStrategy]

class TtlStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TTL_STRATEGY_UNSPECIFIED: _ClassVar[TtlStrategy]
    TTL_STRATEGY_DELETE: _ClassVar[TtlStrategy]
    TTL_STRATEGY_KEEP_LATEST: _ClassVar[TtlStrategy]
PRUNE_STRATEGY_UNSPECIFIED: PruneStrategy
PRUNE_STRATEGY_KEEP_LATEST: PruneStrategy
PRUNE_STRATEGY_DELETE: PruneStrategy
TTL_STRATEGY_UNSPECIFIED: TtlStrategy
TTL_STRATEGY_DELETE: TtlStrategy
TTL_STRATEGY_KEEP_LATEST: TtlStrategy

class PutRequest(_message.Message):
    __slots__ = ("config", "checkpoint", "metadata", "new_versions", "fencing_token")
    class NewVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _checkpoint_pb2.ChannelVersion
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_checkpoint_pb2.ChannelVersion, _Mapping]] = ...) -> None: ...
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NEW_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    checkpoint: _checkpoint_pb2.Checkpoint
    metadata: _struct_pb2.Struct
    new_versions: _containers.MessageMap[str, _checkpoint_pb2.ChannelVersion]
    fencing_token: int
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., checkpoint: _Optional[_Union[_checkpoint_pb2.Checkpoint, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., new_versions: _Optional[_Mapping[str, _checkpoint_pb2.ChannelVersion]] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class PutResponse(_message.Message):
    __slots__ = ("config",)
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ...) -> None: ...

class PutWritesRequest(_message.Message):
    __slots__ = ("config", "writes", "task_id", "task_path", "fencing_token")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    WRITES_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_PATH_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    writes: _containers.RepeatedCompositeFieldContainer[_checkpoint_pb2.PendingWrite]
    task_id: str
    task_path: str
    fencing_token: int
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., writes: _Optional[_Iterable[_Union[_checkpoint_pb2.PendingWrite, _Mapping]]] = ..., task_id: _Optional[str] = ..., task_path: _Optional[str] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class PutWritesResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetTupleRequest(_message.Message):
    __slots__ = ("config", "as_of")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetTupleResponse(_message.Message):
    __slots__ = ("tuple",)
    TUPLE_FIELD_NUMBER: _ClassVar[int]
    tuple: _checkpoint_pb2.CheckpointTuple
    def __init__(self, tuple: _Optional[_Union[_checkpoint_pb2.CheckpointTuple, _Mapping]] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ("config", "filter", "before", "limit", "after_ts", "before_ts")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_TS_FIELD_NUMBER: _ClassVar[int]
    BEFORE_TS_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    filter: _struct_pb2.Struct
    before: _checkpoint_pb2.CheckpointConfig
    limit: int
    after_ts: _timestamp_pb2.Timestamp
    before_ts: _timestamp_pb2.Timestamp
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., filter: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., before: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., limit: _Optional[int] = ..., after_ts: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., before_ts: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListResponse(_message.Message):
    __slots__ = ("tuple",)
    TUPLE_FIELD_NUMBER: _ClassVar[int]
    tuple: _checkpoint_pb2.CheckpointTuple
    def __init__(self, tuple: _Optional[_Union[_checkpoint_pb2.CheckpointTuple, _Mapping]] = ...) -> None: ...

class DeleteThreadRequest(_message.Message):
    __slots__ = ("thread_id", "fencing_token")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    fencing_token: int
    def __init__(self, thread_id: _Optional[str] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class DeleteThreadResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CopyThreadRequest(_message.Message):
    __slots__ = ("source_thread_id", "target_thread_id")
    SOURCE_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    source_thread_id: str
    target_thread_id: str
    def __init__(self, source_thread_id: _Optional[str] = ..., target_thread_id: _Optional[str] = ...) -> None: ...

class CopyThreadResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteForRunsRequest(_message.Message):
    __slots__ = ("run_ids",)
    RUN_IDS_FIELD_NUMBER: _ClassVar[int]
    run_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, run_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteForRunsResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...

class PruneRequest(_message.Message):
    __slots__ = ("thread_ids", "strategy")
    THREAD_IDS_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    thread_ids: _containers.RepeatedScalarFieldContainer[str]
    strategy: PruneStrategy
    def __init__(self, thread_ids: _Optional[_Iterable[str]] = ..., strategy: _Optional[_Union[PruneStrategy, str]] = ...) -> None: ...

class PruneResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("subscribe", "unsubscribe", "resume", "claim")
    SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    subscribe: SubscribeRequest
    unsubscribe: Unsubscribe
    resume: ResumeRequest
    claim: ClaimResumeRequest
    def __init__(self, subscribe: _Optional[_Union[SubscribeRequest, _Mapping]] = ..., unsubscribe: _Optional[_Union[Unsubscribe, _Mapping]] = ..., resume: _Optional[_Union[ResumeRequest, _Mapping]] = ..., claim: _Optional[_Union[ClaimResumeRequest, _Mapping]] = ...) -> None: ...

class Unsubscribe(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ("event", "resumed", "claimed")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    event: _watch_pb2.WatchEvent
    resumed: ResumeResponse
    claimed: ClaimResumeResponse
    def __init__(self, event: _Optional[_Union[_watch_pb2.WatchEvent, _Mapping]] = ..., resumed: _Optional[_Union[ResumeResponse, _Mapping]] = ..., claimed: _Optional[_Union[ClaimResumeResponse, _Mapping]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("thread_id", "after_event_id", "checkpoint_ns")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    after_event_id: int
    checkpoint_ns: str
    def __init__(self, thread_id: _Optional[str] = ..., after_event_id: _Optional[int] = ..., checkpoint_ns: _Optional[str] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _watch_pb2.WatchEvent
    def __init__(self, event: _Optional[_Union[_watch_pb2.WatchEvent, _Mapping]] = ...) -> None: ...

class ResumeRequest(_message.Message):
    __slots__ = ("thread_id", "checkpoint_ns", "values", "idempotency_key")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _checkpoint_pb2.TypedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_checkpoint_pb2.TypedValue, _Mapping]] = ...) -> None: ...
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    checkpoint_ns: str
    values: _containers.MessageMap[str, _checkpoint_pb2.TypedValue]
    idempotency_key: str
    def __init__(self, thread_id: _Optional[str] = ..., checkpoint_ns: _Optional[str] = ..., values: _Optional[_Mapping[str, _checkpoint_pb2.TypedValue]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ResumeResponse(_message.Message):
    __slots__ = ("resume_id", "event_id")
    RESUME_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    resume_id: str
    event_id: int
    def __init__(self, resume_id: _Optional[str] = ..., event_id: _Optional[int] = ...) -> None: ...

class ClaimResumeRequest(_message.Message):
    __slots__ = ("thread_id", "resume_id", "worker_id", "fencing_token")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    resume_id: str
    worker_id: str
    fencing_token: int
    def __init__(self, thread_id: _Optional[str] = ..., resume_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class ClaimResumeResponse(_message.Message):
    __slots__ = ("claimed", "resume_id", "checkpoint_ns", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _checkpoint_pb2.TypedValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_checkpoint_pb2.TypedValue, _Mapping]] = ...) -> None: ...
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    RESUME_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_NS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    claimed: bool
    resume_id: str
    checkpoint_ns: str
    values: _containers.MessageMap[str, _checkpoint_pb2.TypedValue]
    def __init__(self, claimed: _Optional[bool] = ..., resume_id: _Optional[str] = ..., checkpoint_ns: _Optional[str] = ..., values: _Optional[_Mapping[str, _checkpoint_pb2.TypedValue]] = ...) -> None: ...

class BatchRequest(_message.Message):
    __slots__ = ("calls",)
    CALLS_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[BatchCall]
    def __init__(self, calls: _Optional[_Iterable[_Union[BatchCall, _Mapping]]] = ...) -> None: ...

class BatchCall(_message.Message):
    __slots__ = ("put", "put_writes", "get_tuple")
    PUT_FIELD_NUMBER: _ClassVar[int]
    PUT_WRITES_FIELD_NUMBER: _ClassVar[int]
    GET_TUPLE_FIELD_NUMBER: _ClassVar[int]
    put: PutRequest
    put_writes: PutWritesRequest
    get_tuple: GetTupleRequest
    def __init__(self, put: _Optional[_Union[PutRequest, _Mapping]] = ..., put_writes: _Optional[_Union[PutWritesRequest, _Mapping]] = ..., get_tuple: _Optional[_Union[GetTupleRequest, _Mapping]] = ...) -> None: ...

class BatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("put", "put_writes", "get_tuple", "error")
    PUT_FIELD_NUMBER: _ClassVar[int]
    PUT_WRITES_FIELD_NUMBER: _ClassVar[int]
    GET_TUPLE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    put: PutResponse
    put_writes: PutWritesResponse
    get_tuple: GetTupleResponse
    error: BatchError
    def __init__(self, put: _Optional[_Union[PutResponse, _Mapping]] = ..., put_writes: _Optional[_Union[PutWritesResponse, _Mapping]] = ..., get_tuple: _Optional[_Union[GetTupleResponse, _Mapping]] = ..., error: _Optional[_Union[BatchError, _Mapping]] = ...) -> None: ...

class BatchError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class AcquireLeaseRequest(_message.Message):
    __slots__ = ("thread_id", "holder", "ttl", "wait")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    holder: str
    ttl: _duration_pb2.Duration
    wait: _duration_pb2.Duration
    def __init__(self, thread_id: _Optional[str] = ..., holder: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AcquireLeaseResponse(_message.Message):
    __slots__ = ("lease_id", "fencing_token", "expires_at")
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    lease_id: str
    fencing_token: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, lease_id: _Optional[str] = ..., fencing_token: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RenewLeaseRequest(_message.Message):
    __slots__ = ("thread_id", "lease_id", "ttl")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    lease_id: str
    ttl: _duration_pb2.Duration
    def __init__(self, thread_id: _Optional[str] = ..., lease_id: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RenewLeaseResponse(_message.Message):
    __slots__ = ("fencing_token", "expires_at")
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    fencing_token: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, fencing_token: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReleaseLeaseRequest(_message.Message):
    __slots__ = ("thread_id", "lease_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    lease_id: str
    def __init__(self, thread_id: _Optional[str] = ..., lease_id: _Optional[str] = ...) -> None: ...

class ReleaseLeaseResponse(_message.Message):
    __slots__ = ("released",)
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    released: bool
    def __init__(self, released: _Optional[bool] = ...) -> None: ...

class SetRetentionRequest(_message.Message):
    __slots__ = ("thread_id", "policy")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    policy: RetentionPolicy
    def __init__(self, thread_id: _Optional[str] = ..., policy: _Optional[_Union[RetentionPolicy, _Mapping]] = ...) -> None: ...

class SetRetentionResponse(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: Thread
    def __init__(self, thread: _Optional[_Union[Thread, _Mapping]] = ...) -> None: ...

class RetentionPolicy(_message.Message):
    __slots__ = ("max_versions", "max_age", "ttl", "ttl_strategy", "pinned")
    MAX_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    TTL_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    max_versions: int
    max_age: _duration_pb2.Duration
    ttl: _duration_pb2.Duration
    ttl_strategy: TtlStrategy
    pinned: bool
    def __init__(self, max_versions: _Optional[int] = ..., max_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., ttl_strategy: _Optional[_Union[TtlStrategy, str]] = ..., pinned: _Optional[bool] = ...) -> None: ...

class GetThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class GetThreadResponse(_message.Message):
    __slots__ = ("thread",)
    THREAD_FIELD_NUMBER: _ClassVar[int]
    thread: Thread
    def __init__(self, thread: _Optional[_Union[Thread, _Mapping]] = ...) -> None: ...

class Thread(_message.Message):
    __slots__ = ("thread_id", "policy", "checkpoint_count", "namespaces", "stored_bytes", "created_at", "last_write_at", "expires_at", "thread_policy")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_COUNT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    STORED_BYTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_WRITE_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    THREAD_POLICY_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    policy: RetentionPolicy
    checkpoint_count: int
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    stored_bytes: int
    created_at: _timestamp_pb2.Timestamp
    last_write_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    thread_policy: RetentionPolicy
    def __init__(self, thread_id: _Optional[str] = ..., policy: _Optional[_Union[RetentionPolicy, _Mapping]] = ..., checkpoint_count: _Optional[int] = ..., namespaces: _Optional[_Iterable[str]] = ..., stored_bytes: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_write_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., thread_policy: _Optional[_Union[RetentionPolicy, _Mapping]] = ...) -> None: ...

class GetDeltaChannelHistoryRequest(_message.Message):
    __slots__ = ("config", "channels")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    config: _checkpoint_pb2.CheckpointConfig
    channels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, config: _Optional[_Union[_checkpoint_pb2.CheckpointConfig, _Mapping]] = ..., channels: _Optional[_Iterable[str]] = ...) -> None: ...

class GetDeltaChannelHistoryResponse(_message.Message):
    __slots__ = ("histories",)
    class HistoriesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DeltaChannelHistory
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DeltaChannelHistory, _Mapping]] = ...) -> None: ...
    HISTORIES_FIELD_NUMBER: _ClassVar[int]
    histories: _containers.MessageMap[str, DeltaChannelHistory]
    def __init__(self, histories: _Optional[_Mapping[str, DeltaChannelHistory]] = ...) -> None: ...

class DeltaChannelHistory(_message.Message):
    __slots__ = ("writes", "seed")
    WRITES_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    writes: _containers.RepeatedCompositeFieldContainer[_checkpoint_pb2.PendingWrite]
    seed: _checkpoint_pb2.TypedValue
    def __init__(self, writes: _Optional[_Iterable[_Union[_checkpoint_pb2.PendingWrite, _Mapping]]] = ..., seed: _Optional[_Union[_checkpoint_pb2.TypedValue, _Mapping]] = ...) -> None: ...

class GetThreadStorageRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class GetThreadStorageResponse(_message.Message):
    __slots__ = ("found", "checkpoint_count", "logical_bytes", "stored_bytes", "channels", "pending_writes", "checkpoint_bytes", "chunk_count", "chunk_bytes")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_COUNT_FIELD_NUMBER: _ClassVar[int]
    LOGICAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    STORED_BYTES_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    PENDING_WRITES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_BYTES_FIELD_NUMBER: _ClassVar[int]
    CHUNK_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    found: bool
    checkpoint_count: int
    logical_bytes: int
    stored_bytes: int
    channels: _containers.RepeatedCompositeFieldContainer[ChannelStorage]
    pending_writes: ValueStorage
    checkpoint_bytes: int
    chunk_count: int
    chunk_bytes: int
    def __init__(self, found: _Optional[bool] = ..., checkpoint_count: _Optional[int] = ..., logical_bytes: _Optional[int] = ..., stored_bytes: _Optional[int] = ..., channels: _Optional[_Iterable[_Union[ChannelStorage, _Mapping]]] = ..., pending_writes: _Optional[_Union[ValueStorage, _Mapping]] = ..., checkpoint_bytes: _Optional[int] = ..., chunk_count: _Optional[int] = ..., chunk_bytes: _Optional[int] = ...) -> None: ...

class ChannelStorage(_message.Message):
    __slots__ = ("channel", "values")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    channel: str
    values: ValueStorage
    def __init__(self, channel: _Optional[str] = ..., values: _Optional[_Union[ValueStorage, _Mapping]] = ...) -> None: ...

class ValueStorage(_message.Message):
    __slots__ = ("count", "chunked_count", "logical_bytes", "stored_bytes")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CHUNKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    LOGICAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    STORED_BYTES_FIELD_NUMBER: _ClassVar[int]
    count: int
    chunked_count: int
    logical_bytes: int
    stored_bytes: int
    def __init__(self, count: _Optional[int] = ..., chunked_count: _Optional[int] = ..., logical_bytes: _Optional[int] = ..., stored_bytes: _Optional[int] = ...) -> None: ...
