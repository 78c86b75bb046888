package dev.drover.master.security;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.raft.RaftKvStore;
import dev.drover.testing.FixtureExtension;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@code --peer} list m1, m2, m3 of TLS masters on loopback that the join and store-TLS tests
 * start in this JVM: their Raft and API ports, a directory of their own each (PKI, store, Secret
 * keys, audit log), starting them, and closing what was opened. {@link StoreJoinTest}, {@link
 * MasterJoinTest} and {@link StorePeerTlsTest} each built this by hand; one copy keeps their
 * layouts from drifting apart. A test class gets a fresh one per test from {@link Extension}.
 */
final class ThreePeers implements AutoCloseable {
  /** How long a master of the list may take to start: its store member waits for a majority. */
  static final Duration START = Duration.ofSeconds(120);

  /** The {@code --peer} list, each member on a free Raft port. */
  final List<Peer> peers =
      List.of(
          new Peer("m1", "127.0.0.1", KvStores.freePort()),
          new Peer("m2", "127.0.0.1", KvStores.freePort()),
          new Peer("m3", "127.0.0.1", KvStores.freePort()));

  /** The running masters by id, in the order they were put; {@link #close()} closes them. */
  final Map<String, Master> masters = new LinkedHashMap<>();

  private final Path dir;
  private final Map<String, Integer> apiPorts = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<AutoCloseable> closeLast = new ArrayList<>();

  /** The peers' directories go under {@code dir}, one per master id. */
  private ThreePeers(Path dir) {
    this.dir = dir;
    for (Peer p : peers) {
      apiPorts.put(p.id(), KvStores.freePort());
    }
  }

  /** The directory the peers' directories are in, for what a test keeps beside them. */
  Path dir() {
    return dir;
  }

  /** The directory of master {@code id}. */
  Path dir(String id) {
    return dir.resolve(id);
  }

  /** The PKI directory of master {@code id}. */
  Path pki(String id) {
    return dir(id).resolve("pki");
  }

  /** The store data directory of master {@code id}. */
  Path store(String id) {
    return dir(id).resolve("store");
  }

  /** The API address of master {@code id}; a master outside the list gets a free port too. */
  String api(String id) {
    return "127.0.0.1:" + apiPort(id);
  }

  private int apiPort(String id) {
    return apiPorts.computeIfAbsent(id, i -> KvStores.freePort());
  }

  /** The lines of master {@code id}'s audit log. */
  List<String> audit(String id) throws Exception {
    return Files.readAllLines(dir(id).resolve("audit.log"));
  }

  /**
   * Master {@code id} on its API port with its own Secret keys, audit log and PKI, and no store: a
   * master that joins by token and receives the keys and CA from the cluster.
   */
  Master.Builder joiner(String id) {
    return Master.builder()
        .id(id)
        .apiPort(apiPort(id))
        .secretKeyFile(dir(id).resolve("secret-keys"))
        .auditLog(dir(id).resolve("audit.log"), 1 << 20)
        .pki(pki(id));
  }

  /** A {@link #joiner} that is a member of the {@code --peer} list's store. */
  Master.Builder peer(String id) {
    return joiner(id).clusterStore(peers, store(id));
  }

  /**
   * m1 and m2 of the list, a majority: m1 creates the CA and a master token and waits for a
   * majority while serving joins; m2 joins with that token through m1.
   */
  void startTwoOfThree() throws Exception {
    CompletableFuture<Master> first = CompletableFuture.supplyAsync(() -> peer("m1").start());
    Path tokenFile = pki("m1").resolve(BootstrapToken.FILE);
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(tokenFile));
    String token = Files.readAllLines(tokenFile).get(0);
    masters.put("m2", peer("m2").joinToken(token, List.of(api("m1"))).start());
    masters.put("m1", first.get(START.toSeconds(), TimeUnit.SECONDS));
  }

  /** Starts the three masters {@code builder} makes together: each waits for a majority. */
  void startAll(Function<String, Master.Builder> builder) throws Exception {
    // One thread per master: the common pool may have a single thread on a 2-core machine.
    ExecutorService starters = Executors.newFixedThreadPool(peers.size());
    try {
      Map<String, CompletableFuture<Master>> starting = new LinkedHashMap<>();
      for (Peer p : peers) {
        starting.put(
            p.id(), CompletableFuture.supplyAsync(() -> builder.apply(p.id()).start(), starters));
      }
      for (var e : starting.entrySet()) {
        masters.put(e.getKey(), e.getValue().get(START.toSeconds(), TimeUnit.SECONDS));
      }
    } finally {
      starters.shutdown();
    }
  }

  /** A TLS channel to master {@code id}'s API, closed with the peers. */
  ManagedChannel channel(String id, ClientCredentials credentials) {
    ManagedChannel c = Channels.secure(api(id), credentials);
    channels.add(c);
    return c;
  }

  /** {@code c}, to be closed after the masters. */
  <T extends AutoCloseable> T closeLast(T c) {
    closeLast.add(c);
    return c;
  }

  /** The store member under a master. */
  static RaftKvStore member(Master m) {
    return (RaftKvStore) m.kv();
  }

  /** The value of {@code key} that {@code store} has applied, or null. */
  static ByteString valueOf(RaftKvStore store, ByteString key) {
    var kv = store.mvcc().liveView().get(key);
    return kv == null ? null : kv.getValue();
  }

  /** Writes through {@code via} and waits until every running master has applied the value. */
  void writeAndSeeEverywhere(Master via, String key, String value) throws Exception {
    ByteString k = ByteString.copyFromUtf8(key);
    ByteString v = ByteString.copyFromUtf8(value);
    via.kv().put(k, v).get(30, TimeUnit.SECONDS);
    for (Master m : masters.values()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> v.equals(valueOf(member(m), k)));
    }
  }

  /** Closes the channels, then the masters (the last put first), then what closes last. */
  @Override
  public void close() throws Exception {
    channels.forEach(Channels::close);
    List<Master> all = new ArrayList<>(masters.values());
    for (int i = all.size() - 1; i >= 0; i--) {
      all.get(i).close();
    }
    for (AutoCloseable c : closeLast) {
      c.close();
    }
  }

  /**
   * Gives each test of a class annotated {@code @ExtendWith(ThreePeers.Extension.class)} fresh
   * peers, in a temporary directory of their own, in its {@code ThreePeers} field (none started),
   * and closes them after the test.
   */
  static final class Extension extends FixtureExtension<ThreePeers> {
    Extension() {
      super(ThreePeers.class);
    }

    @Override
    protected ThreePeers open(ExtensionContext context) throws Exception {
      return new ThreePeers(tempDir(context));
    }
  }
}
