package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.v1.KeyValue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: the embedded store runs in a child JVM ({@link CrashWriter}) writing as fast as it
 * can and is killed with SIGKILL in the middle of its writes, three times over on the same data
 * directory. Each restart must succeed, and at the end the store must hold every write the child
 * reported as acknowledged.
 */
class CrashRecoveryTest {
  private static final int ROUNDS = 3;
  private static final int ACKS_BEFORE_KILL = 300;

  @TempDir Path dir;

  @Test
  void storeKilledMidWriteRestartsWithEveryAcknowledgedWrite() throws Exception {
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger cuts = new AtomicInteger();
    long started = System.nanoTime();
    for (int round = 0; round < ROUNDS; round++) {
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx256m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashWriter.class.getName(),
                  dir.toString(),
                  "/crash/" + round)
              .redirectErrorStream(true)
              .start();
      AtomicInteger roundAcks = new AtomicInteger();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith(CrashWriter.ACK)) {
                      acked.add(line.substring(CrashWriter.ACK.length()));
                      roundAcks.incrementAndGet();
                    } else if (line.contains("cut a torn tail")) {
                      cuts.incrementAndGet();
                    }
                  }
                } catch (java.io.IOException e) {
                  // The child died; whatever it printed before is what counts.
                }
              });
      reader.start();
      try {
        await()
            .atMost(Duration.ofSeconds(90))
            .until(() -> roundAcks.get() >= ACKS_BEFORE_KILL || !child.isAlive());
        assertThat(child.isAlive()).as("the child store started and kept writing").isTrue();
      } finally {
        child.destroyForcibly(); // SIGKILL on Linux: nothing is closed or flushed
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
    System.out.printf(
        "crash test: %d rounds, %d acknowledged writes, %d torn tails cut, %d ms%n",
        ROUNDS, acked.size(), cuts.get(), (System.nanoTime() - started) / 1_000_000);

    try (RaftKvStore store = KvStores.embedded(dir).options(CrashWriter.options()).start()) {
      Set<String> held =
          store.getPrefix(Keys.of("/crash/")).get(60, TimeUnit.SECONDS).getKvsList().stream()
              .map(KeyValue::getKey)
              .map(k -> k.toStringUtf8())
              .collect(Collectors.toSet());
      assertThat(acked).hasSizeGreaterThanOrEqualTo(ROUNDS * ACKS_BEFORE_KILL);
      assertThat(held).containsAll(acked);
    }
  }
}
