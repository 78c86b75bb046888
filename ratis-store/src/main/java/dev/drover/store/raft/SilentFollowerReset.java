package dev.drover.store.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader: a follower that has not answered for {@link #silence} gets its peer channel
 * rebuilt (Ratis' {@code handleException(peer, e, reconnect=true)}), which fails every call still
 * on the old channel.
 *
 * <p>Why: Ratis 3.2's gRPC log appender waits, before each send, until the stream to the follower
 * {@code isReady()}, and only an error from that stream ends the wait. A connection that stays open
 * but carries nothing (a silent network, a middlebox that lost its state, a proxy relaying nothing)
 * gives no error: the stream's flow-control window fills, the appender's thread waits on {@code
 * isReady()} for good, and the follower gets no entries even long after the network is back (a
 * healed blackhole left a follower without entries for 95 s in the fault harness, until the leader
 * died). Ratis' peer channels have no keepalive that would find such a connection. The rebuilt
 * channel ends the wait and the appender reconnects. For a follower that is just down this costs a
 * channel rebuild per {@link #silence}.
 */
final class SilentFollowerReset implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SilentFollowerReset.class);

  private final RaftServer server;
  private final RaftGroupId group;
  private final Duration silence;
  private final LongSupplier millis;
  private final Map<String, Long> lastReset = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "store-silent-follower-reset");
            t.setDaemon(true);
            return t;
          });

  SilentFollowerReset(RaftServer server, RaftGroupId group, Duration silence, LongSupplier millis) {
    this.server = server;
    this.group = group;
    this.silence = silence;
    this.millis = millis;
  }

  /** Checks every quarter of {@code silence}. */
  SilentFollowerReset start() {
    long every = Math.max(50, silence.toMillis() / 4);
    timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  void check() {
    RoleInfoProto role;
    try {
      role = server.getDivision(group).getInfo().getRoleInfoProto();
    } catch (IOException | RuntimeException e) {
      return;
    }
    if (!role.hasLeaderInfo()) {
      return;
    }
    long now = millis.getAsLong();
    for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
      String id = f.getId().getId().toStringUtf8();
      long quietMs = f.getLastRpcElapsedTimeMs();
      Long last = lastReset.get(id);
      // Once per silence period at most: a follower that is down keeps being silent.
      if (quietMs < silence.toMillis() || (last != null && now - last < silence.toMillis())) {
        continue;
      }
      lastReset.put(id, now);
      LOG.warn(
          "follower {} has not answered for {} ms: rebuilding the leader's channel to it",
          id,
          quietMs);
      try {
        server
            .getServerRpc()
            .handleException(
                RaftPeerId.valueOf(id),
                new IOException("no answer from " + id + " for " + quietMs + " ms"),
                true);
      } catch (RuntimeException e) {
        LOG.warn("rebuilding the channel to {} failed", id, e);
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
