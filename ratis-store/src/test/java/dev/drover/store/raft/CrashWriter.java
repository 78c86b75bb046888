package dev.drover.store.raft;

import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.api.StoreOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link CrashRecoveryTest}: opens the embedded store in {@code args[0]} and
 * writes {@code args[1]/<writer>/<n>} keys from several threads until it is killed, printing {@code
 * ACK <key>} once each write is acknowledged.
 */
public final class CrashWriter {
  static final String ACK = "ACK ";
  static final String READY = "READY";

  private CrashWriter() {}

  /** Options shared with the test that reopens the store: small segments, so some roll over. */
  static StoreOptions options() {
    return new StoreOptions()
        .electionTimeout(Duration.ofMillis(300), Duration.ofMillis(600))
        .logSegmentBytes(64 * 1024);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String prefix = args[1];
    RaftKvStore store = KvStores.embedded(dir).options(options()).start();
    System.out.println(READY);
    for (int w = 0; w < 4; w++) {
      String base = prefix + "/" + w + "/";
      Thread t =
          new Thread(
              () -> {
                try {
                  for (int n = 0; ; n++) {
                    // Values of a few KB make appends span the log's write buffer, so a kill
                    // can land between the halves of one entry.
                    byte[] value = new byte[ThreadLocalRandom.current().nextInt(1024, 6144)];
                    ThreadLocalRandom.current().nextBytes(value);
                    String key = base + n;
                    store
                        .put(Keys.of(key), com.google.protobuf.ByteString.copyFrom(value))
                        .get(30, TimeUnit.SECONDS);
                    System.out.println(ACK + key);
                  }
                } catch (Exception e) {
                  e.printStackTrace();
                }
              },
              "writer-" + w);
      t.start();
    }
    Thread.currentThread().join();
  }
}
