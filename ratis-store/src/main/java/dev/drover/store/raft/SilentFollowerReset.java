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
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds peer channels that may sit on a silent connection (Ratis' {@code handleException(peer,
 * e, reconnect=true)}, which fails every call still on the old channel): on the leader, the channel
 * to a follower that has not answered for {@link #silence}; on a member that has known no leader
 * for {@link #silence} (a candidate, or a follower whose votes keep failing), its channels to every
 * other member. Each at most once per {@link #silence}.
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
 *
 * <p>A candidate has the same problem with its vote requests: they go out on the channel the member
 * used before, time out at the end of each election round with no error that would rebuild it, and
 * the next round uses the same silent connection. After a one-way partition of the leader the fault
 * harness had no leader for over a minute: the only member that could win never reached the one
 * voter it needed. Without a leader nothing is lost by a rebuild; a group that just lost its leader
 * elects one well within {@link #silence}.
 */
final class SilentFollowerReset implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SilentFollowerReset.class);

  private final RaftServer server;
  private final RaftGroupId group;
  private final Duration silence;
  private final LongSupplier millis;
  private final Map<String, Long> lastReset = new ConcurrentHashMap<>();
  // When this member last knew a leader (itself or another), and last rebuilt every channel.
  private long leaderSeen;
  private long leaderlessReset;
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
    this.leaderSeen = millis.getAsLong();
  }

  /** Checks every quarter of {@code silence}. */
  SilentFollowerReset start() {
    long every = Math.max(50, silence.toMillis() / 4);
    timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  synchronized void check() {
    RaftServer.Division division;
    RoleInfoProto role;
    RaftPeerId leader;
    try {
      division = server.getDivision(group);
      role = division.getInfo().getRoleInfoProto();
      leader = division.getInfo().getLeaderId();
    } catch (IOException | RuntimeException e) {
      return;
    }
    long now = millis.getAsLong();
    if (role.hasLeaderInfo() || leader != null) {
      leaderSeen = now;
    } else if (now - leaderSeen >= silence.toMillis()
        && now - leaderlessReset >= silence.toMillis()) {
      leaderlessReset = now;
      resetAll(division, now - leaderSeen);
    }
    if (!role.hasLeaderInfo()) {
      return;
    }
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
          "{}: follower {} has not answered for {} ms: rebuilding the leader's channel to it",
          server.getId(),
          id,
          quietMs);
      reset(RaftPeerId.valueOf(id), "no answer from " + id + " for " + quietMs + " ms");
    }
  }

  private void resetAll(RaftServer.Division division, long leaderlessMs) {
    LOG.warn(
        "{}: no leader known for {} ms: rebuilding this member's channels to the others",
        server.getId(),
        leaderlessMs);
    for (RaftPeer peer : division.getRaftConf().getAllPeers()) {
      if (!peer.getId().equals(server.getId())) {
        reset(peer.getId(), "no leader known for " + leaderlessMs + " ms");
      }
    }
  }

  private void reset(RaftPeerId peer, String why) {
    try {
      server.getServerRpc().handleException(peer, new IOException(why), true);
    } catch (RuntimeException e) {
      LOG.warn("rebuilding the channel to {} failed", peer, e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
