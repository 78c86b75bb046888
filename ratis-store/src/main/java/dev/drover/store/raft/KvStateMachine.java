package dev.drover.store.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.lease.Lessor;
import dev.drover.store.mvcc.MvccStore;
import dev.drover.store.v1.LeaseTimeToLiveResponse;
import dev.drover.store.v1.SnapshotData;
import dev.drover.store.v1.StoreRequest;
import dev.drover.store.v1.StoreResponse;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of one member: applies the {@link StoreRequest} union (or a batch of
 * them, see {@link Batches}) from each committed log entry to the {@link MvccStore}, serves
 * read-only queries, and writes and loads snapshots. Apply is deterministic; the clock lives only
 * in the {@link Lessor}, which this class tells about leadership.
 */
public final class KvStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);
  private static final SnapshotRetentionPolicy KEEP_TWO =
      new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
          return 2;
        }
      };

  private final MvccStore store;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private volatile Lessor lessor;
  private volatile LongConsumer afterApply = rev -> {};
  private volatile RaftPeerId selfId;
  private volatile boolean leader;

  /** A state machine over {@code store}. */
  public KvStateMachine(MvccStore store) {
    this.store = store;
  }

  /** Wires the lessor that is told about leadership and asked for remaining TTLs. */
  void setLessor(Lessor lessor) {
    this.lessor = lessor;
  }

  /** Called on the apply thread after each applied write with the new revision. */
  void setAfterApply(LongConsumer afterApply) {
    this.afterApply = afterApply;
  }

  /** Whether this member leads, as Ratis last told us. */
  boolean isLeader() {
    return leader;
  }

  /** The MVCC state. */
  public MvccStore store() {
    return store;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    selfId = server.getId();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    storage.init(raftStorage);
    load(storage.loadLatestSnapshot());
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  @Override
  public void pause() {
    // Ratis pauses the state machine before it installs a snapshot from the leader, and
    // checks that it is paused before calling reinitialize().
    if (getLifeCycleState() == LifeCycle.State.RUNNING) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  @Override
  public void reinitialize() throws IOException {
    // Called after a snapshot was installed from the leader: adopt it wholesale.
    load(storage.loadLatestSnapshot());
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  private void load(SingleFileSnapshotInfo info) throws IOException {
    if (info == null) {
      return;
    }
    File file = info.getFile().getPath().toFile();
    if (!file.exists()) {
      return;
    }
    if (info.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(file, info.getFile().getFileDigest());
    }
    SnapshotData data = SnapshotFiles.read(file.toPath());
    if (data.getTerm() != info.getTerm() || data.getIndex() != info.getIndex()) {
      throw new IOException(
          "snapshot "
              + file
              + " holds term/index "
              + data.getTerm()
              + "/"
              + data.getIndex()
              + " but is named for "
              + info.getTerm()
              + "/"
              + info.getIndex());
    }
    store.restore(data);
    updateLastAppliedTermIndex(data.getTerm(), data.getIndex());
    LOG.info(
        "{}: loaded snapshot at term {} index {} (revision {})",
        selfId,
        data.getTerm(),
        data.getIndex(),
        data.getRevision());
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public SingleFileSnapshotInfo getLatestSnapshot() {
    return storage.getLatestSnapshot();
  }

  @Override
  public long takeSnapshot() throws IOException {
    // Runs on the apply thread between entries, so the copy and its index agree.
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    SnapshotData data = store.snapshot(last.getTerm(), last.getIndex());
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    SnapshotFiles.write(data, file.toPath());
    FileInfo info = new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file));
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(info, last));
    storage.cleanupOldSnapshots(KEEP_TWO);
    LOG.debug("{}: snapshot at {} (revision {})", selfId, last, data.getRevision());
    return last.getIndex();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long before = store.revision();
    ByteBuffer data = entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer();
    Message reply = serve(data, store::apply);
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    long after = store.revision();
    if (after != before) {
      afterApply.accept(after);
    }
    return CompletableFuture.completedFuture(reply);
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(
        serve(request.getContent().asReadOnlyByteBuffer(), this::serveRead));
  }

  /**
   * Runs {@code one} over a plain request or over each request of a batch, in order (a batch
   * applies exactly as the same requests in consecutive log entries would), and frames the
   * responses the same way.
   */
  private static Message serve(ByteBuffer content, Function<StoreRequest, StoreResponse> one) {
    if (!Batches.isBatch(content)) {
      return toMessage(serveOne(content, one));
    }
    List<ByteBuffer> parts;
    try {
      parts = Batches.decode(content);
    } catch (IOException e) {
      return toMessage(unreadable(e));
    }
    List<byte[]> out = new ArrayList<>(parts.size());
    for (ByteBuffer part : parts) {
      out.add(serveOne(part, one).toByteArray());
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(Batches.encode(out)));
  }

  private static StoreResponse serveOne(
      ByteBuffer bytes, Function<StoreRequest, StoreResponse> one) {
    StoreRequest request;
    try {
      request = StoreRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return unreadable(e);
    }
    return one.apply(request);
  }

  private static StoreResponse unreadable(Exception e) {
    return StoreResponse.newBuilder()
        .setError(
            KvStoreException.invalid("request", "not a StoreRequest: " + e.getMessage()).toProto())
        .build();
  }

  /** Serves a read-only request from this member's applied state. */
  StoreResponse serveRead(StoreRequest request) {
    try {
      switch (request.getRequestCase()) {
        case RANGE:
          return StoreResponse.newBuilder().setRange(store.range(request.getRange())).build();
        case LEASE_TIME_TO_LIVE:
          {
            LeaseTimeToLiveResponse r = store.timeToLive(request.getLeaseTimeToLive());
            Lessor l = lessor;
            long left = l == null ? r.getTtl() : Math.max(0, l.remainingSeconds(r.getId()));
            return StoreResponse.newBuilder()
                .setLeaseTimeToLive(r.toBuilder().setTtl(left))
                .build();
          }
        default:
          throw KvStoreException.invalid("request", request.getRequestCase() + " is not a read");
      }
    } catch (KvStoreException e) {
      return StoreResponse.newBuilder().setError(e.toProto()).build();
    }
  }

  static Message toMessage(com.google.protobuf.MessageLite m) {
    ByteString bytes = UnsafeByteOperations.unsafeWrap(m.toByteArray());
    return Message.valueOf(bytes);
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    leader = newLeaderId != null && newLeaderId.equals(groupMemberId.getPeerId());
    Lessor l = lessor;
    if (l != null) {
      l.setLeader(leader);
    }
  }
}
