package dev.drover.store.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linearizable reads served by the member in this process: handed to its Raft server directly,
 * which gets a read index from the leader, waits until it has applied that far and answers from its
 * own state (the Raft paper's read index, section 6.4).
 *
 * <p>Why not through a Ratis client, as before: a client sends a read to the leader it last knew.
 * When that leader died, the read waited out the client's request timeout and then the shutdown of
 * the client's connection (7 s on loopback), while the local member learns the new leader the
 * moment it is elected. A read that fails meanwhile (the old leader unreachable, no leader yet) is
 * sent again every {@link #PAUSE} until the request timeout, as a client's retries would be.
 *
 * <p>A member that is not a voter of its own configuration, or has never known a leader (it is
 * starting, or joining a group that has not added it yet), cannot serve a read index; its reads go
 * through the client to the leader (see {@link #read}).
 *
 * <p>Every hand-over to the server and every completion runs on this class's own threads: Ratis
 * blocks the submitting thread until its client executor takes the request, and completes a read
 * index on a thread that holds its heartbeat listeners' lock, so a next read submitted from there
 * (the lane sends its next batch from a completion) deadlocked the leader.
 */
final class LocalReads implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalReads.class);
  private static final Duration PAUSE = Duration.ofMillis(50);

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final long timeoutNanos;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final ExecutorService threads;
  private final Executor later;
  private volatile boolean leaderSeen;

  LocalReads(RaftServer server, RaftGroupId groupId, Duration timeout) {
    this.server = server;
    this.groupId = groupId;
    this.timeoutNanos = timeout.toNanos();
    ThreadFactory daemons =
        r -> {
          Thread t = new Thread(r, "store-local-reads-" + server.getId());
          t.setDaemon(true);
          return t;
        };
    this.threads = Executors.newCachedThreadPool(daemons);
    this.later =
        CompletableFuture.delayedExecutor(PAUSE.toMillis(), TimeUnit.MILLISECONDS, threads);
  }

  /**
   * The reply to the read-only {@code msg}, or null when this member cannot serve it (then the
   * caller sends it to the leader).
   */
  CompletableFuture<RaftClientReply> read(Message msg) {
    if (!canServe()) {
      return CompletableFuture.completedFuture(null);
    }
    return attempt(msg, System.nanoTime() + timeoutNanos, 1);
  }

  private boolean canServe() {
    try {
      RaftServer.Division d = server.getDivision(groupId);
      if (d.getRaftConf().getPeer(server.getId()) == null) {
        return false;
      }
      if (!leaderSeen && d.getInfo().getLeaderId() != null) {
        leaderSeen = true;
      }
      return leaderSeen;
    } catch (IOException e) {
      return false;
    }
  }

  private CompletableFuture<RaftClientReply> attempt(Message msg, long deadline, int n) {
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(clientId)
            .setServerId(server.getId())
            .setGroupId(groupId)
            .setCallId(callIds.incrementAndGet())
            .setMessage(msg)
            .setType(RaftClientRequest.readRequestType())
            .build();
    CompletableFuture<CompletableFuture<RaftClientReply>> submitted;
    try {
      submitted = CompletableFuture.supplyAsync(() -> submit(request), threads);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new AlreadyClosedException("store is closed"));
    }
    return submitted
        .thenCompose(f -> f)
        .handleAsync(
            (r, err) -> {
              Throwable why =
                  err != null ? RaftRequests.unwrap(err) : r.isSuccess() ? null : r.getException();
              if (why == null || !worthAnotherTry(why, deadline)) {
                return err != null
                    ? CompletableFuture.<RaftClientReply>failedFuture(err)
                    : CompletableFuture.completedFuture(r);
              }
              LOG.debug("local read attempt {} failed, sending it again: {}", n, why.toString());
              return CompletableFuture.supplyAsync(() -> msg, later)
                  .thenCompose(m -> attempt(m, deadline, n + 1));
            },
            threads)
        .thenCompose(f -> f);
  }

  private CompletableFuture<RaftClientReply> submit(RaftClientRequest request) {
    try {
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }

  /**
   * True for a failure that a leader's election or recovery ends (the old one unreachable, none
   * known yet, not ready), while time is left; the state machine's own error and a member shutting
   * down are answers.
   */
  private boolean worthAnotherTry(Throwable why, long deadline) {
    return !(why instanceof StateMachineException)
        && server.getLifeCycleState().isRunning()
        && System.nanoTime() < deadline;
  }
}
