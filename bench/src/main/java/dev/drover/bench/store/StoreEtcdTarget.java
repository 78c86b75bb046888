package dev.drover.bench.store;

import dev.drover.store.KvStores;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * etcd 3.4 (the {@code etcd} binary) with 1 or 3 members on loopback, each its own process with
 * default durability (fsync on every commit), driven through jetcd: by default to the leader's
 * endpoint alone, as Drover's client goes to the Raft leader.
 */
final class StoreEtcdTarget implements StoreTarget {
  private final List<Process> processes = new ArrayList<>();
  private final Client client;
  private final KV kv;

  /**
   * Starts {@code size} members; the client talks to the leader alone, or with {@code spread} to
   * every member round-robin (jetcd's default).
   */
  StoreEtcdTarget(Path dir, int size, String etcdBinary, boolean spread) throws Exception {
    List<int[]> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ports.add(new int[] {KvStores.freePort(), KvStores.freePort()});
    }
    String cluster =
        java.util.stream.IntStream.range(0, size)
            .mapToObj(i -> "e" + i + "=http://127.0.0.1:" + ports.get(i)[1])
            .collect(Collectors.joining(","));
    java.nio.file.Files.createDirectories(dir);
    for (int i = 0; i < size; i++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              etcdBinary,
              "--name",
              "e" + i,
              "--data-dir",
              dir.resolve("e" + i).toString(),
              "--listen-client-urls",
              "http://127.0.0.1:" + ports.get(i)[0],
              "--advertise-client-urls",
              "http://127.0.0.1:" + ports.get(i)[0],
              "--listen-peer-urls",
              "http://127.0.0.1:" + ports.get(i)[1],
              "--initial-advertise-peer-urls",
              "http://127.0.0.1:" + ports.get(i)[1],
              "--initial-cluster",
              cluster,
              "--initial-cluster-state",
              "new",
              "--log-level",
              "error",
              "--logger",
              "zap");
      pb.redirectErrorStream(true);
      pb.redirectOutput(dir.resolve("e" + i + ".log").toFile());
      processes.add(pb.start());
    }
    for (int[] p : ports) {
      waitForPort(p[0]);
    }
    String[] endpoints = ports.stream().map(p -> "http://127.0.0.1:" + p[0]).toArray(String[]::new);
    if (spread) {
      client = Client.builder().endpoints(endpoints).build();
    } else {
      // Drover's client sends every request to the Raft leader; so that both clients are set up
      // alike, jetcd gets the leader's endpoint alone (by default it spreads requests round-robin
      // over all members, which followers forward to the leader).
      String leader;
      try (Client probe = Client.builder().endpoints(endpoints).build()) {
        leader = leaderEndpoint(probe, endpoints);
      }
      client = Client.builder().endpoints(leader).build();
    }
    kv = client.getKVClient();
    putSync("/bench/ready".getBytes(), new byte[0]);
  }

  /** The endpoint of the member that leads now, waiting for an election if there is none. */
  private static String leaderEndpoint(Client probe, String[] endpoints) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      long leader = 0;
      java.util.Map<Long, String> byId = new java.util.HashMap<>();
      for (String e : endpoints) {
        try {
          StatusResponse s = probe.getMaintenanceClient().statusMember(e).get(5, TimeUnit.SECONDS);
          byId.put(s.getHeader().getMemberId(), e);
          if (s.getLeader() != 0) {
            leader = s.getLeader();
          }
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException x) {
          // Not serving yet; asked again below.
        }
      }
      if (leader != 0 && byId.containsKey(leader)) {
        return byId.get(leader);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new IllegalStateException("etcd elected no leader in 30 s");
  }

  private static void waitForPort(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException("etcd did not open port " + port, e);
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
  }

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public CompletableFuture<Void> put(byte[] key, byte[] value) {
    return kv.put(ByteSequence.from(key), ByteSequence.from(value)).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Void> get(byte[] key) {
    return kv.get(ByteSequence.from(key)).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Long> cas(byte[] key, long expectedModRevision, byte[] value) {
    ByteSequence k = ByteSequence.from(key);
    return kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
        .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
        .commit()
        .thenApply(r -> r.isSucceeded() ? r.getHeader().getRevision() : -1L);
  }

  @Override
  public long putSync(byte[] key, byte[] value) throws Exception {
    return kv.put(ByteSequence.from(key), ByteSequence.from(value))
        .get(60, TimeUnit.SECONDS)
        .getHeader()
        .getRevision();
  }

  @Override
  public long serverCpuNanos() {
    return StoreTarget.cpuNanos(processes);
  }

  @Override
  public void close() throws Exception {
    client.close();
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
