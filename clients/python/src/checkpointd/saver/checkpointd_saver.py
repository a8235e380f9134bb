"""CheckpointdSaver: a LangGraph checkpointer whose state lives in a checkpointd server."""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

from ..aio_client import AsyncCheckpointdClient
from ..client import CheckpointdClient
from ..options import ClientOptions, TlsOptions, TokenProvider
from ..v1 import checkpoint_pb2
from ..v1 import checkpoint_service_pb2 as service_pb2
from .channel_version_codec import encode_channel_versions
from .checkpoint_codec import dump_value, encode_checkpoint, load_value
from .config_fields import configurable, proto_config, required
from .metadata_codec import encode_struct
from .thread_leases import SingleWriter, ThreadLeases
from .tuple_codec import decode_tuple, migrate_pending_sends, needs_pending_sends_migration
from ..leases import FENCING_TOKEN_HEADER

_MAX_LIMIT = 2**31 - 1
_PRUNE_STRATEGIES = {
    "keep_latest": service_pb2.PRUNE_STRATEGY_KEEP_LATEST,
    "delete": service_pb2.PRUNE_STRATEGY_DELETE,
}


class CheckpointdSaver(BaseCheckpointSaver[str]):
    """A LangGraph checkpointer backed by a checkpointd server.

    ::

        checkpointer = CheckpointdSaver.from_url("127.0.0.1:50051")
        graph = builder.compile(checkpointer=checkpointer)
        graph.invoke(inputs, {"configurable": {"thread_id": "t-1"}})       # or await graph.ainvoke(...)

    Values are stored as the serializer writes them (``serde.dumps_typed``), byte for
    byte; channel versions keep their type. The sync methods use a grpc channel, the
    async ones (``aget_tuple``, ``aput``, …) a grpc.aio channel of the running event
    loop, both to the same server.
    """

    def __init__(
        self,
        address: str,
        *,
        serde: SerializerProtocol | None = None,
        options: ClientOptions | None = None,
        single_writer: bool | SingleWriter = False,
        **client_options: Any,
    ) -> None:
        """``address`` is ``host:port``, ``http://host:port`` or ``https://host:port`` (TLS);
        ``client_options`` are ClientOptions fields (``timeout=5``, ``metadata=...``, ``tls=...``).

        ``single_writer=True`` (or a :class:`SingleWriter` with holder, ttl, wait): one writer per
        thread. The first ``get_tuple`` or ``put`` of a thread takes its lease, renewed in the
        background every ttl/3; every write carries its fencing token, so a second worker on the
        thread cannot fork it; a lost lease raises :class:`~checkpointd.leases.LeaseLostError` in
        the graph. LangGraph tells a saver nothing about a run's end: call
        ``release_thread(thread_id)`` (or ``await arelease_thread``) after the run, or close the saver.
        """
        super().__init__(serde=serde)
        self.leases: ThreadLeases | None = None
        if single_writer is not False:
            self.leases = ThreadLeases(SingleWriter() if single_writer is True else single_writer)
        if client_options and options is not None:
            raise TypeError("CheckpointdSaver: pass either options= or client option keywords, not both")
        self._address = address
        self._options = ClientOptions(**client_options) if options is None else options
        self.client = CheckpointdClient(address, self._options)
        self._aclients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncCheckpointdClient] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        serde: SerializerProtocol | None = None,
        token: TokenProvider | None = None,
        root_certificates: bytes | str | None = None,
        private_key: bytes | str | None = None,
        certificate_chain: bytes | str | None = None,
        **client_options: Any,
    ) -> CheckpointdSaver:
        """``host:port``, ``http://host:port`` or ``https://host:port`` (TLS, system roots unless
        ``root_certificates`` names a private CA's PEM).

        ``token`` (a str, or a function asked before every call: sync, or a coroutine function for
        the async methods) is sent as ``authorization: Bearer <token>``; ``private_key`` and
        ``certificate_chain`` (PEM) are a client certificate, for mutual TLS. Both the sync and the
        async methods use them. Other keywords are ClientOptions fields.
        """
        pems = {
            "root_certificates": root_certificates,
            "private_key": private_key,
            "certificate_chain": certificate_chain,
        }
        if any(value is not None for value in pems.values()):
            if "tls" in client_options:
                raise TypeError("CheckpointdSaver.from_url: pass either tls= or the certificate keywords, not both")
            if (private_key is None) != (certificate_chain is None):
                raise TypeError("CheckpointdSaver.from_url: private_key and certificate_chain go together")
            client_options["tls"] = TlsOptions(
                **{name: value.encode() if isinstance(value, str) else value for name, value in pems.items()}
            )
        if token is not None:
            client_options["token"] = token
        return cls(url, serde=serde, **client_options)

    # -- connections -----------------------------------------------------------------------------

    def _aclient(self) -> AsyncCheckpointdClient:
        """The asyncio client of the running loop (a grpc.aio channel belongs to one loop)."""
        loop = asyncio.get_running_loop()
        client = self._aclients.get(loop)
        if client is None:
            client = AsyncCheckpointdClient(self._address, self._options)
            self._aclients[loop] = client
        return client

    def close(self) -> None:
        """Closes the synchronous channel (``aclose()`` closes the running loop's asyncio channel too);
        with single_writer, releases the threads' leases first."""
        if self.leases is not None:
            for thread_id in self.leases.threads():
                self.leases.release(self.client, thread_id)
        self.client.close()

    async def aclose(self) -> None:
        if self.leases is not None:
            for thread_id in self.leases.threads():
                await self.leases.arelease(self._aclient(), thread_id)
        loop = asyncio.get_running_loop()
        client = self._aclients.pop(loop, None)
        if client is not None:
            await client.close()
        self.client.close()

    def release_thread(self, thread_id: str) -> None:
        """Ends this saver's lease on the thread (single_writer): the run is over."""
        if self.leases is not None:
            self.leases.release(self.client, thread_id)

    async def arelease_thread(self, thread_id: str) -> None:
        if self.leases is not None:
            await self.leases.arelease(self._aclient(), thread_id)

    def _fencing_metadata(self, thread_id: str) -> dict[str, str] | None:
        lease = None if self.leases is None else self.leases._leases.get(thread_id)
        return None if lease is None else {FENCING_TOKEN_HEADER: str(lease.token)}

    def __enter__(self) -> CheckpointdSaver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> CheckpointdSaver:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- requests (shared by the sync and async methods) -----------------------------------------

    def _get_tuple_request(self, config: RunnableConfig) -> service_pb2.GetTupleRequest | None:
        thread_id = configurable(config, "thread_id")
        if not thread_id:
            return None
        return service_pb2.GetTupleRequest(
            config=proto_config(
                thread_id, configurable(config, "checkpoint_ns") or "", configurable(config, "checkpoint_id")
            )
        )

    def _list_request(
        self,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
        limit: int | None,
    ) -> service_pb2.ListRequest:
        request = service_pb2.ListRequest(
            config=proto_config(
                configurable(config, "thread_id") or "",
                configurable(config, "checkpoint_ns"),
                configurable(config, "checkpoint_id"),
            )
        )
        if filter:
            request.filter.CopyFrom(encode_struct(filter, "filter"))
        before_id = configurable(before, "checkpoint_id")
        if before_id:
            request.before.CopyFrom(checkpoint_pb2.CheckpointConfig(checkpoint_id=before_id))
        if limit is not None:
            request.limit = min(int(limit), _MAX_LIMIT)
        return request

    def _put_request(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> service_pb2.PutRequest:
        thread_id = required(config, "thread_id", "put")
        request = service_pb2.PutRequest(
            config=proto_config(
                thread_id, configurable(config, "checkpoint_ns") or "", configurable(config, "checkpoint_id")
            ),
            checkpoint=encode_checkpoint(self.serde, checkpoint, new_versions),
            metadata=encode_struct(get_serializable_checkpoint_metadata(config, metadata), "metadata"),
        )
        encode_channel_versions(new_versions, request.new_versions, "new_versions")
        return request

    def _put_writes_request(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str
    ) -> service_pb2.PutWritesRequest:
        thread_id = required(config, "thread_id", "put_writes")
        checkpoint_id = required(config, "checkpoint_id", "put_writes")
        return service_pb2.PutWritesRequest(
            config=proto_config(thread_id, configurable(config, "checkpoint_ns") or "", checkpoint_id),
            writes=[
                checkpoint_pb2.PendingWrite(channel=channel, value=dump_value(self.serde, value))
                for channel, value in writes
            ],
            task_id=task_id,
            task_path=task_path,
        )

    @staticmethod
    def _saved_config(request: service_pb2.PutRequest, response: service_pb2.PutResponse) -> RunnableConfig:
        saved = response.config
        return {
            "configurable": {
                "thread_id": saved.thread_id or request.config.thread_id,
                "checkpoint_ns": saved.checkpoint_ns
                if saved.HasField("checkpoint_ns")
                else request.config.checkpoint_ns,
                "checkpoint_id": saved.checkpoint_id or request.checkpoint.id,
            }
        }

    @staticmethod
    def _thread_id(thread_id: Any, method: str) -> str:
        if thread_id is None or str(thread_id) == "":
            raise ValueError(f"CheckpointdSaver.{method}: thread_id is required")
        return str(thread_id)

    @staticmethod
    def _prune_request(thread_ids: Sequence[str], strategy: str) -> service_pb2.PruneRequest:
        if strategy not in _PRUNE_STRATEGIES:
            raise ValueError(f'CheckpointdSaver.prune: strategy must be "keep_latest" or "delete", not {strategy!r}')
        return service_pb2.PruneRequest(thread_ids=[str(t) for t in thread_ids], strategy=_PRUNE_STRATEGIES[strategy])

    @staticmethod
    def _history_request(
        config: RunnableConfig, channels: Sequence[str]
    ) -> service_pb2.GetDeltaChannelHistoryRequest | None:
        """None without a thread (get_tuple finds nothing then, so the base walk returns empty histories)."""
        thread_id = configurable(config, "thread_id")
        if not thread_id:
            return None
        return service_pb2.GetDeltaChannelHistoryRequest(
            config=proto_config(
                thread_id, configurable(config, "checkpoint_ns") or "", configurable(config, "checkpoint_id")
            ),
            channels=list(channels),
        )

    def _decode_histories(
        self, channels: Sequence[str], response: service_pb2.GetDeltaChannelHistoryResponse | None
    ) -> dict[str, DeltaChannelHistory]:
        """The base class's shape: every requested channel, in request order; ``seed`` only when found."""
        out: dict[str, DeltaChannelHistory] = {}
        for channel in channels:
            entry: DeltaChannelHistory = {"writes": []}
            found = None if response is None else response.histories.get(channel)
            if found is not None:
                entry["writes"] = [
                    (w.task_id, w.channel, load_value(self.serde, w.value) if w.HasField("value") else None)
                    for w in found.writes
                ]
                if found.HasField("seed"):
                    entry["seed"] = load_value(self.serde, found.seed)
            out[channel] = entry
        return out

    def _parent_request(self, tuple_: CheckpointTuple) -> service_pb2.GetTupleRequest:
        parent = tuple_.parent_config or {}
        return service_pb2.GetTupleRequest(
            config=proto_config(
                configurable(parent, "thread_id") or "",
                configurable(parent, "checkpoint_ns") or "",
                configurable(parent, "checkpoint_id"),
            )
        )

    def _decode(self, proto: checkpoint_pb2.CheckpointTuple) -> CheckpointTuple:
        tuple_ = decode_tuple(self.serde, proto)
        if needs_pending_sends_migration(tuple_):
            migrate_pending_sends(
                tuple_, self.client.get_tuple(self._parent_request(tuple_)), self.serde, self.get_next_version
            )
        return tuple_

    async def _adecode(self, proto: checkpoint_pb2.CheckpointTuple) -> CheckpointTuple:
        tuple_ = decode_tuple(self.serde, proto)
        if needs_pending_sends_migration(tuple_):
            parent = await self._aclient().get_tuple(self._parent_request(tuple_))
            migrate_pending_sends(tuple_, parent, self.serde, self.get_next_version)
        return tuple_

    # -- BaseCheckpointSaver: sync ---------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The checkpoint ``checkpoint_id`` names, or the thread's latest; None when there is none."""
        request = self._get_tuple_request(config)
        if request is None:
            return None
        if self.leases is not None:  # a run starts by reading its thread: take the lease first
            self.leases.token(self.client, request.config.thread_id)
        found = self.client.get_tuple(request)
        return None if found is None else self._decode(found)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """History newest first, as it streams; no thread_id lists every thread."""
        if limit is not None and limit <= 0:
            return
        for found in self.client.list(self._list_request(config, filter, before, limit)):
            yield self._decode(found)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        request = self._put_request(config, checkpoint, metadata, new_versions)
        if self.leases is None:
            return self._saved_config(request, self.client.put(request))

        def write(token: int) -> service_pb2.PutResponse:
            request.fencing_token = token
            return self.client.put(request)

        return self._saved_config(request, self.leases.fenced(self.client, request.config.thread_id, write))

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        request = self._put_writes_request(config, writes, task_id, task_path)
        if self.leases is None:
            self.client.put_writes(request)
            return

        def write(token: int) -> None:
            request.fencing_token = token
            self.client.put_writes(request)

        self.leases.fenced(self.client, request.config.thread_id, write)

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """DeltaChannel history in one GetDeltaChannelHistory call: the server walks the parent
        chain (the base class asks get_tuple once per ancestor). Same result, same order."""
        if not channels:
            return {}
        request = self._history_request(config, channels)
        response = None if request is None else self.client.get_delta_channel_history(request)
        return self._decode_histories(channels, response)

    def delete_thread(self, thread_id: str) -> None:
        thread = self._thread_id(thread_id, "delete_thread")
        self.client.delete_thread(thread, metadata=self._fencing_metadata(thread))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Deletes the checkpoints whose ``metadata["run_id"]`` is one of ``run_ids``."""
        self.client.delete_for_runs(service_pb2.DeleteForRunsRequest(run_ids=[str(r) for r in run_ids]))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copies every checkpoint (the whole parent chain), value and write into another thread."""
        self.client.copy_thread(
            service_pb2.CopyThreadRequest(
                source_thread_id=self._thread_id(source_thread_id, "copy_thread"),
                target_thread_id=self._thread_id(target_thread_id, "copy_thread"),
            )
        )

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """``keep_latest`` keeps each namespace's latest checkpoint; ``delete`` deletes the threads."""
        self.client.prune(self._prune_request(thread_ids, strategy))

    # -- BaseCheckpointSaver: async --------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        request = self._get_tuple_request(config)
        if request is None:
            return None
        if self.leases is not None:
            await self.leases.atoken(self._aclient(), request.config.thread_id)
        found = await self._aclient().get_tuple(request)
        return None if found is None else await self._adecode(found)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        if limit is not None and limit <= 0:
            return
        async for found in self._aclient().list(self._list_request(config, filter, before, limit)):
            yield await self._adecode(found)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        request = self._put_request(config, checkpoint, metadata, new_versions)
        client = self._aclient()
        if self.leases is None:
            return self._saved_config(request, await client.put(request))

        async def write(token: int) -> service_pb2.PutResponse:
            request.fencing_token = token
            return await client.put(request)

        return self._saved_config(request, await self.leases.afenced(client, request.config.thread_id, write))

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        request = self._put_writes_request(config, writes, task_id, task_path)
        client = self._aclient()
        if self.leases is None:
            await client.put_writes(request)
            return

        async def write(token: int) -> None:
            request.fencing_token = token
            await client.put_writes(request)

        await self.leases.afenced(client, request.config.thread_id, write)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """The async get_delta_channel_history: one GetDeltaChannelHistory call."""
        if not channels:
            return {}
        request = self._history_request(config, channels)
        response = None if request is None else await self._aclient().get_delta_channel_history(request)
        return self._decode_histories(channels, response)

    async def adelete_thread(self, thread_id: str) -> None:
        thread = self._thread_id(thread_id, "adelete_thread")
        await self._aclient().delete_thread(thread, metadata=self._fencing_metadata(thread))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self._aclient().delete_for_runs(service_pb2.DeleteForRunsRequest(run_ids=[str(r) for r in run_ids]))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self._aclient().copy_thread(
            service_pb2.CopyThreadRequest(
                source_thread_id=self._thread_id(source_thread_id, "acopy_thread"),
                target_thread_id=self._thread_id(target_thread_id, "acopy_thread"),
            )
        )

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await self._aclient().prune(self._prune_request(thread_ids, strategy))

    # -- versions --------------------------------------------------------------------------------

    def get_next_version(self, current: str | float | None, channel: None = None) -> str:
        """LangGraph Python's versions: ``f"{n:032}.{random:016}"`` (InMemorySaver's and
        PostgresSaver's format). A number (a version LangGraph.js wrote) counts as ``n``."""
        if current is None:
            current_v = 0
        elif isinstance(current, (int, float)):
            current_v = int(current)
        else:
            current_v = int(current.split(".")[0])
        return f"{current_v + 1:032}.{random.random():016}"
