package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.store.api.Keys;
import dev.drover.store.lin.LinearizabilityChecker;
import dev.drover.store.lin.RegisterOp;
import dev.drover.store.lin.RegisterTxns;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.TxnRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concurrent clients do get / put / compare-and-swap on a few keys through every member while the
 * leader is stopped and restarted; the recorded history must be linearizable for a per-key register
 * model. Operation choices derive from a seed (system property {@code lin.seed}), printed so a
 * failure can be replayed with the same workload.
 */
class ClusterLinearizabilityTest {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterLinearizabilityTest.class);
  private static final int CLIENTS = 6;
  private static final int KEYS = 3;

  @TempDir Path dir;

  @Test
  void historiesUnderLeaderStopsAreLinearizable() throws Exception {
    long seed = Long.getLong("lin.seed", 20261125L);
    LOG.info("linearizability workload seed {} (rerun with -Dlin.seed={})", seed, seed);
    Map<Integer, List<RegisterOp>> history = new ConcurrentHashMap<>();
    for (int k = 0; k < KEYS; k++) {
      history.put(k, new CopyOnWriteArrayList<>());
    }
    AtomicInteger completed = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    try (TestCluster cluster = new TestCluster(dir, 3, TestCluster::testOptions).startAll()) {
      cluster.leader();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        final int client = c;
        final Random rnd = new Random(seed * 31 + c);
        Thread t =
            new Thread(
                () -> runClient(cluster, client, rnd, history, completed, stop), "lin-client-" + c);
        t.start();
        clients.add(t);
      }
      Random chaos = new Random(seed);
      for (int round = 0; round < 2; round++) {
        int before = completed.get();
        await().atMost(Duration.ofSeconds(90)).until(() -> completed.get() >= before + 120);
        RaftKvStore leader = cluster.leader();
        cluster.stop(leader.id());
        int atStop = completed.get();
        await()
            .atMost(Duration.ofSeconds(90))
            .until(() -> completed.get() >= atStop + 60 + chaos.nextInt(40));
        cluster.start(leader.id());
      }
      int end = completed.get();
      await().atMost(Duration.ofSeconds(90)).until(() -> completed.get() >= end + 60);
      stop.set(true);
      for (Thread t : clients) {
        t.join(60_000);
      }
    }
    int total = 0;
    for (Map.Entry<Integer, List<RegisterOp>> e : history.entrySet()) {
      List<RegisterOp> ops = e.getValue();
      total += ops.size();
      LinearizabilityChecker.Result r = LinearizabilityChecker.check(ops, null);
      if (r != LinearizabilityChecker.Result.LINEARIZABLE) {
        Path dump = dumpHistory(e.getKey(), ops);
        assertThat(r)
            .as("key %d (seed %d, history in %s)", e.getKey(), seed, dump)
            .isEqualTo(LinearizabilityChecker.Result.LINEARIZABLE);
      }
    }
    LOG.info("checked {} operations over {} keys", total, KEYS);
    assertThat(total).isGreaterThanOrEqualTo(400);
  }

  private Path dumpHistory(int key, List<RegisterOp> ops) throws IOException {
    Path out = Path.of("target", "lin-history-key" + key + ".txt");
    List<String> lines = new ArrayList<>();
    for (RegisterOp op : ops) {
      lines.add(op.toString());
    }
    Files.createDirectories(out.getParent());
    Files.write(out, lines);
    return out.toAbsolutePath();
  }

  private static void runClient(
      TestCluster cluster,
      int client,
      Random rnd,
      Map<Integer, List<RegisterOp>> history,
      AtomicInteger completed,
      AtomicBoolean stop) {
    int counter = 0;
    String lastSeen = null;
    while (!stop.get()) {
      List<RaftKvStore> members = cluster.members();
      if (members.isEmpty()) {
        continue;
      }
      RaftKvStore via = members.get(rnd.nextInt(members.size()));
      int key = rnd.nextInt(KEYS);
      ByteString k = Keys.of("/lin/" + key);
      int choice = rnd.nextInt(10);
      long invoke = System.nanoTime();
      try {
        if (choice < 4) {
          RangeResponse r = via.get(k).get(30, TimeUnit.SECONDS);
          String read = r.getCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
          history.get(key).add(RegisterOp.get(client, read, invoke, System.nanoTime()));
          lastSeen = read;
        } else if (choice < 7) {
          String value = "c" + client + "-" + counter++;
          try {
            via.put(k, Keys.of(value)).get(30, TimeUnit.SECONDS);
            history.get(key).add(RegisterOp.put(client, value, invoke, System.nanoTime()));
          } catch (Exception e) {
            history.get(key).add(RegisterOp.put(client, value, invoke, RegisterOp.UNKNOWN));
          }
        } else {
          String value = "c" + client + "-" + counter++;
          String expected = rnd.nextBoolean() ? lastSeen : null;
          TxnRequest txn = RegisterTxns.cas(k, expected, value);
          try {
            boolean ok = via.txn(txn).get(30, TimeUnit.SECONDS).getSucceeded();
            history
                .get(key)
                .add(RegisterOp.cas(client, expected, value, ok, invoke, System.nanoTime()));
          } catch (Exception e) {
            history
                .get(key)
                .add(RegisterOp.cas(client, expected, value, false, invoke, RegisterOp.UNKNOWN));
          }
        }
        completed.incrementAndGet();
      } catch (Exception e) {
        // A failed read has no effect and is left out of the history.
      }
    }
  }
}
