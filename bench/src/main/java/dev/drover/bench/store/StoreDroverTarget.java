package dev.drover.bench.store;

import com.google.protobuf.ByteString;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvClient;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Drover's replicated store with 1 or 3 members, each its own JVM ({@link StoreMember}) on loopback
 * as each etcd member is its own process, driven over gRPC through Drover's network client ({@link
 * RaftKvClient}) as etcd is driven through jetcd. Member JVM options come from {@code
 * BENCH_MEMBER_JAVA_OPTS}; Ratis properties for the members from {@code --ratis k=v}.
 */
final class StoreDroverTarget implements StoreTarget {
  private final List<Process> processes = new ArrayList<>();
  private final RaftKvClient via;

  StoreDroverTarget(Path dir, int size, List<String> ratisProperties, StoreOptions clientOptions)
      throws Exception {
    List<Peer> peers = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      peers.add(new Peer("m" + i, "127.0.0.1", KvStores.freePort()));
    }
    String spec =
        peers.stream().map(p -> p.id() + "=" + p.address()).collect(Collectors.joining(","));
    Files.createDirectories(dir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String opts = System.getenv().getOrDefault("BENCH_MEMBER_JAVA_OPTS", "-Xmx1g");
    for (Peer p : peers) {
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      for (String o : opts.trim().split("\\s+")) {
        if (!o.isEmpty()) {
          cmd.add(o.replace("{id}", p.id()));
        }
      }
      cmd.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              StoreMember.class.getName(),
              p.id(),
              spec,
              dir.resolve(p.id()).toString()));
      cmd.addAll(ratisProperties);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.redirectError(dir.resolve(p.id() + ".log").toFile());
      processes.add(pb.start());
    }
    for (Process proc : processes) {
      awaitReady(proc);
    }
    via = KvStores.client(peers, clientOptions);
    // Wait for a leader: a write succeeds once one is elected and ready (on a loaded machine
    // the first tries may fail while the members still elect).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      try {
        via.put(ByteString.copyFromUtf8("/bench/ready"), ByteString.EMPTY)
            .get(60, TimeUnit.SECONDS);
        break;
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  private static void awaitReady(Process proc) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("READY")) {
        return;
      }
    }
    throw new IOException(
        "a store member exited before it was ready (exit " + proc.exitValue() + ")");
  }

  @Override
  public String name() {
    return "drover";
  }

  @Override
  public CompletableFuture<Void> put(byte[] key, byte[] value) {
    return via.put(ByteString.copyFrom(key), ByteString.copyFrom(value)).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Void> get(byte[] key) {
    return via.get(ByteString.copyFrom(key)).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Long> cas(byte[] key, long expectedModRevision, byte[] value) {
    ByteString k = ByteString.copyFrom(key);
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(k)
                    .setTarget(Compare.CompareTarget.MOD)
                    .setModRevision(expectedModRevision))
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(
                        PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFrom(value))))
            .build();
    return via.txn(txn).thenApply(r -> r.getSucceeded() ? r.getHeader().getRevision() : -1L);
  }

  @Override
  public long putSync(byte[] key, byte[] value) throws Exception {
    return via.put(ByteString.copyFrom(key), ByteString.copyFrom(value))
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
    via.close();
    for (Process p : processes) {
      p.getOutputStream().close();
    }
    for (Process p : processes) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
