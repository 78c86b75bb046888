package dev.drover.store.raft;

import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Peer;
import dev.drover.store.api.PeerTls;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.v1.StoreRequest;
import dev.drover.store.v1.StoreResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the replicated store: sends {@link StoreRequest}s over gRPC to whichever
 * member leads (Ratis follows leader hints and retries), and maps replies and failures to {@link
 * StoreResponse} and {@link KvStoreException}. Used by a member for the requests it forwards
 * ({@link RaftKvStore}) and by a process that holds no member ({@link RaftKvClient}).
 *
 * <p>Group commit: writes and linearizable reads each go through a {@link Lane} that keeps at most
 * {@link StoreOptions#batchesInFlight()} messages in flight. A request that finds the lane free is
 * sent alone at once; requests that arrive while it is full wait and leave together as one batch
 * ({@link Batches}): one log entry, replicated and fsynced on a majority once before any of them is
 * answered, or one read index for many reads. Each request of a batch is applied as if it were its
 * own entry (own revision, own error), so nothing about a request's result depends on its batch.
 * Writes use one Raft client, whose ordered stream keeps them in the order they were submitted;
 * reads use another, so they never wait behind write replies, or, in a member, go to that member
 * itself ({@link LocalReads}).
 */
final class RaftRequests implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftRequests.class);

  /** A batch stops growing at this size (a single larger request still goes, alone). */
  private static final long MAX_BATCH_BYTES = 1L << 20;

  private final StoreOptions options;
  private final PeerTls tls;
  private final RaftGroup group;
  private final Lane writes;
  private final Lane reads;
  private final LocalReads localReads;

  /**
   * Clients for the group {@code groupId} of {@code peers}; over mutual TLS when {@code tls} is not
   * null.
   */
  RaftRequests(UUID groupId, List<Peer> peers, StoreOptions options, PeerTls tls) {
    this(groupId, peers, options, tls, null);
  }

  /**
   * Clients as above, for the member {@code local} runs (null: none, as in {@link RaftKvClient}):
   * its linearizable reads go to that member itself ({@link LocalReads}).
   */
  RaftRequests(
      UUID groupId, List<Peer> peers, StoreOptions options, PeerTls tls, RaftServer local) {
    this.options = options;
    this.tls = tls;
    this.group = group(groupId, peers);
    this.writes = new Lane((client, msg) -> client.async().send(msg));
    this.localReads =
        local == null ? null : new LocalReads(local, group.getGroupId(), options.requestTimeout());
    this.reads = new Lane(this::read);
  }

  /** A linearizable read: by the local member when it can serve it, else by the leader. */
  private CompletableFuture<RaftClientReply> read(RaftClient client, Message msg) {
    if (localReads == null) {
      return client.async().sendReadOnly(msg);
    }
    return localReads
        .read(msg)
        .thenCompose(
            r ->
                r != null
                    ? CompletableFuture.completedFuture(r)
                    : client.async().sendReadOnly(msg));
  }

  private RaftClient newClient(RaftPeerId firstTry) {
    long sleepMs = 100;
    int retries = (int) Math.max(1, options.requestTimeout().toMillis() / sleepMs);
    RaftClient.Builder b =
        RaftClient.newBuilder()
            .setClientId(ClientId.randomId())
            .setRaftGroup(group)
            .setProperties(clientProperties())
            .setParameters(parameters(tls))
            .setRetryPolicy(
                RetryPolicies.retryUpToMaximumCountWithFixedSleep(retries, millis(sleepMs)));
    if (firstTry != null) {
      b.setLeaderId(firstTry);
    }
    return b.build();
  }

  /**
   * The member after {@code failed} in the group: where a replacing client starts. Ratis' client
   * starts with the group's first member and keeps waiting on a member that accepts connections but
   * never answers (a frozen process), so starting anywhere but the member a request just failed on
   * is what lets the next request reach a leader.
   */
  private RaftPeerId after(RaftPeerId failed) {
    List<RaftPeer> peers = new ArrayList<>(group.getPeers());
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).getId().equals(failed)) {
        return peers.get((i + 1) % peers.size()).getId();
      }
    }
    return null;
  }

  /**
   * Ratis' parameters for {@code tls}: one TLS setting for the server, its connections to peers and
   * the clients (Ratis uses the general one wherever no specific one is set). Mutual: a member asks
   * every connecting peer or client for a certificate. None (plaintext) when {@code tls} is null.
   */
  static Parameters parameters(PeerTls tls) {
    Parameters p = new Parameters();
    if (tls != null) {
      GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(tls.keys(), tls.trust(), true));
    }
    return p;
  }

  static RaftPeer toRaftPeer(Peer p) {
    return RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build();
  }

  static RaftGroup group(UUID groupId, List<Peer> members) {
    List<RaftPeer> list = new ArrayList<>();
    for (Peer p : members) {
      list.add(toRaftPeer(p));
    }
    return RaftGroup.valueOf(RaftGroupId.valueOf(groupId), list);
  }

  private RaftProperties clientProperties() {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        p, millis(Math.max(1000, options.electionTimeoutMax().toMillis() * 2)));
    return p;
  }

  static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }

  /** Sends one request: writes through the log, reads by read index, lease TTLs to the leader. */
  CompletableFuture<StoreResponse> submit(StoreRequest request) {
    if (request.hasLeaseTimeToLive()) {
      // Remaining TTL is clock state held by the lessor, not replicated state: only the
      // leader's lessor is authoritative (it alone expires leases and restarts them at full TTL
      // when it is elected). A linearizable read may be served by whichever member the client
      // reaches, which would answer from its own stale deadlines, so ask the leader (Ratis
      // redirects non-leaders and holds the read until the leader is ready), as etcd does.
      return finish(
              reads.client().async().sendReadOnlyNonLinearizable(KvStateMachine.toMessage(request)))
          .thenApply(RaftRequests::parseOne);
    }
    return request.hasRange() ? reads.submit(request) : writes.submit(request);
  }

  private CompletableFuture<RaftClientReply> finish(CompletableFuture<RaftClientReply> reply) {
    return reply
        .orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (r, err) -> {
              if (err != null) {
                throw mapFailure(err);
              }
              if (!r.isSuccess()) {
                throw mapFailure(r.getException());
              }
              return r;
            });
  }

  private static StoreResponse parseOne(RaftClientReply r) {
    try {
      return StoreResponse.parseFrom(r.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new KvStoreException(KvStoreException.Kind.INTERNAL, "unreadable response", e);
    }
  }

  /** A request waiting for its answer. */
  private record Pending(StoreRequest request, CompletableFuture<StoreResponse> future) {}

  /**
   * One kind of request (writes or reads) with a bounded number of messages in flight; what arrives
   * meanwhile queues and leaves as the next batch.
   *
   * <p>A Ratis client whose ordered stream failed (its retries ran out, for example while no leader
   * was ready) fails everything sent through it from then on, so after a failure that is not the
   * store's own answer the lane replaces its client: one failed request, not a store that never
   * works again.
   */
  private final class Lane {
    private final BiFunction<RaftClient, Message, CompletableFuture<RaftClientReply>> send;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;
    private RaftClient client = newClient(null);
    private boolean closed;

    Lane(BiFunction<RaftClient, Message, CompletableFuture<RaftClientReply>> send) {
      this.send = send;
    }

    synchronized RaftClient client() {
      return client;
    }

    /** Swaps in a fresh client unless another failure already did. */
    private void renew(RaftClient failed) {
      synchronized (this) {
        if (client != failed || closed) {
          return;
        }
        client = newClient(after(failed.getLeaderId()));
      }
      LOG.info("replacing a Raft client after a failed request");
      closeQuietly(failed);
    }

    void close() {
      RaftClient c;
      synchronized (this) {
        closed = true;
        c = client;
      }
      closeQuietly(c);
    }

    CompletableFuture<StoreResponse> submit(StoreRequest request) {
      Pending p = new Pending(request, new CompletableFuture<>());
      List<Pending> batch;
      synchronized (this) {
        queue.add(p);
        if (inFlight >= options.batchesInFlight()) {
          return p.future();
        }
        batch = takeBatch();
      }
      dispatch(batch);
      return p.future();
    }

    /** Takes the next batch off the queue and counts it in flight; callers hold the lock. */
    private List<Pending> takeBatch() {
      List<Pending> batch = new ArrayList<>(Math.min(queue.size(), options.maxBatchRequests()));
      long bytes = 0;
      while (!queue.isEmpty() && batch.size() < options.maxBatchRequests()) {
        long size = queue.peek().request().getSerializedSize();
        if (!batch.isEmpty() && bytes + size > MAX_BATCH_BYTES) {
          break;
        }
        bytes += size;
        batch.add(queue.poll());
      }
      inFlight++;
      return batch;
    }

    private void dispatch(List<Pending> batch) {
      Message msg;
      if (batch.size() == 1) {
        msg = KvStateMachine.toMessage(batch.get(0).request());
      } else {
        List<byte[]> parts = new ArrayList<>(batch.size());
        for (Pending p : batch) {
          parts.add(p.request().toByteArray());
        }
        msg = Message.valueOf(UnsafeByteOperations.unsafeWrap(Batches.encode(parts)));
      }
      RaftClient used = client();
      CompletableFuture<RaftClientReply> reply;
      try {
        reply = finish(send.apply(used, msg));
      } catch (RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      reply.whenComplete(
          (r, err) -> {
            if (err != null) {
              renew(used);
            }
            // Send what queued up meanwhile before answering this batch's callers, whose
            // callbacks may run on this thread.
            List<Pending> next = null;
            synchronized (this) {
              inFlight--;
              if (!queue.isEmpty()) {
                next = takeBatch();
              }
            }
            if (next != null) {
              dispatch(next);
            }
            complete(batch, r, err);
          });
    }

    private void complete(List<Pending> batch, RaftClientReply r, Throwable err) {
      if (err != null) {
        failAll(batch, mapFailure(err));
        return;
      }
      if (batch.size() == 1) {
        try {
          batch.get(0).future().complete(parseOne(r));
        } catch (KvStoreException e) {
          batch.get(0).future().completeExceptionally(e);
        }
        return;
      }
      List<StoreResponse> responses = new ArrayList<>(batch.size());
      try {
        ByteBuffer content = r.getMessage().getContent().asReadOnlyByteBuffer();
        if (!Batches.isBatch(content)) {
          // A whole-batch rejection (an unreadable batch) answers every request alike.
          StoreResponse one = StoreResponse.parseFrom(content);
          batch.forEach(p -> p.future().complete(one));
          return;
        }
        for (ByteBuffer part : Batches.decode(content)) {
          responses.add(StoreResponse.parseFrom(part));
        }
      } catch (IOException e) {
        failAll(
            batch,
            new KvStoreException(KvStoreException.Kind.INTERNAL, "unreadable batch response", e));
        return;
      }
      if (responses.size() != batch.size()) {
        failAll(
            batch,
            new KvStoreException(
                KvStoreException.Kind.INTERNAL,
                "batch of " + batch.size() + " requests got " + responses.size() + " responses"));
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).future().complete(responses.get(i));
      }
    }

    private void failAll(List<Pending> batch, KvStoreException e) {
      batch.forEach(p -> p.future().completeExceptionally(e));
    }
  }

  /** Replaces the group's members; blocks until the new configuration is committed. */
  void setConfiguration(List<Peer> members) {
    List<RaftPeer> list = new ArrayList<>();
    for (Peer p : members) {
      list.add(toRaftPeer(p));
    }
    try {
      RaftClientReply r = writes.client().admin().setConfiguration(list);
      if (!r.isSuccess()) {
        throw mapFailure(r.getException());
      }
    } catch (IOException e) {
      throw mapFailure(e);
    }
  }

  /** {@code t} without the CompletionExceptions that futures wrap it in. */
  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  static KvStoreException mapFailure(Throwable err) {
    Throwable c = unwrap(err);
    if (c instanceof KvStoreException) {
      return (KvStoreException) c;
    }
    if (c instanceof TimeoutException || c instanceof TimeoutIOException) {
      return new KvStoreException(
          KvStoreException.Kind.TIMEOUT, "no answer in time; the write may or may not apply", c);
    }
    if (c instanceof AlreadyClosedException) {
      return new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "store is closed", c);
    }
    return new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "no leader reachable: " + c, c);
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException e) {
      LOG.warn("closing a Raft client failed", e);
    }
  }

  @Override
  public void close() {
    writes.close();
    reads.close();
    if (localReads != null) {
      localReads.close();
    }
  }
}
