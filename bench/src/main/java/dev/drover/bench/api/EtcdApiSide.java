package dev.drover.bench.api;

import dev.drover.bench.Poll;
import dev.drover.store.KvStores;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * etcd 3.4 under {@link ApiBench}: three members, each its own {@code etcd} process with default
 * settings (fsync before a commit is acknowledged) on loopback, written through jetcd with one
 * client per member. A write puts value {@code index} under the round's prefix; the value is the
 * bytes of the ConfigMap Drover's side creates for the same index, so both store the same size. The
 * version a write got is the put's header revision (the key's mod_revision).
 */
final class EtcdApiSide implements ApiSide {
  private final List<Process> members = new ArrayList<>();
  private final List<String> endpoints = new ArrayList<>();
  private final List<Client> clients = new ArrayList<>();
  private final BiFunction<Integer, Integer, byte[]> values;

  /** {@code values} gives the bytes of value (round, index). */
  EtcdApiSide(Path dir, String binary, BiFunction<Integer, Integer, byte[]> values)
      throws IOException {
    this.values = values;
    Files.createDirectories(dir);
    int[] client = new int[3];
    int[] peer = new int[3];
    StringBuilder cluster = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      client[i] = KvStores.freePort();
      peer[i] = KvStores.freePort();
      cluster.append(i == 0 ? "" : ",").append("e").append(i + 1);
      cluster.append("=http://127.0.0.1:").append(peer[i]);
    }
    for (int i = 0; i < 3; i++) {
      String name = "e" + (i + 1);
      String clientUrl = "http://127.0.0.1:" + client[i];
      String peerUrl = "http://127.0.0.1:" + peer[i];
      List<String> cmd =
          List.of(
              binary,
              "--name=" + name,
              "--data-dir=" + dir.resolve(name),
              "--listen-client-urls=" + clientUrl,
              "--advertise-client-urls=" + clientUrl,
              "--listen-peer-urls=" + peerUrl,
              "--initial-advertise-peer-urls=" + peerUrl,
              "--initial-cluster=" + cluster,
              "--initial-cluster-state=new",
              "--logger=zap",
              "--log-level=warn");
      members.add(
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve(name + ".log").toFile())
              .start());
      endpoints.add("127.0.0.1:" + client[i]);
      clients.add(Client.builder().endpoints(clientUrl).build());
    }
  }

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public List<String> endpoints() {
    return List.copyOf(endpoints);
  }

  @Override
  public String watchTarget(int round) {
    return "/bench-r" + round + "/";
  }

  @Override
  public long prepare(int round) {
    long[] revision = new long[1];
    for (Client c : clients) {
      Poll.until(
          "an etcd member answers",
          Duration.ofSeconds(180),
          () -> {
            try {
              revision[0] =
                  c.getKVClient()
                      .get(key(watchTarget(round) + "none"))
                      .get(5, TimeUnit.SECONDS)
                      .getHeader()
                      .getRevision();
              return true;
            } catch (Exception e) {
              return false;
            }
          });
    }
    return revision[0];
  }

  private static ByteSequence key(String k) {
    return ByteSequence.from(k, StandardCharsets.UTF_8);
  }

  @Override
  public void write(int round, int index, int member, BiConsumer<Long, Throwable> done) {
    clients
        .get(member)
        .getKVClient()
        .put(
            key(watchTarget(round) + String.format("cm-%06d", index)),
            ByteSequence.from(values.apply(round, index)))
        .orTimeout(30, TimeUnit.SECONDS)
        .whenComplete((r, t) -> done.accept(t == null ? r.getHeader().getRevision() : null, t));
  }

  @Override
  public long serverCpuNanos() {
    return ApiSide.cpuNanos(members);
  }

  @Override
  public long serverRssBytes() {
    return ApiSide.rssBytes(members);
  }

  @Override
  public void close() {
    clients.forEach(Client::close);
    for (Process p : members) {
      p.destroy();
    }
    for (Process p : members) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UncheckedIOException(new IOException("interrupted stopping etcd", e));
      }
    }
  }
}
