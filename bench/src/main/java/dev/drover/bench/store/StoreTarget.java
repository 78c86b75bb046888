package dev.drover.bench.store;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One system under test, driven through its own client: Drover's store or etcd. */
interface StoreTarget extends AutoCloseable {

  /** A short name for tables. */
  String name();

  /** Writes one key. */
  CompletableFuture<Void> put(byte[] key, byte[] value);

  /** Linearizable read of one key. */
  CompletableFuture<Void> get(byte[] key);

  /**
   * Compare-and-swap on the key's mod revision: puts {@code value} if the key's mod revision is
   * still {@code expectedModRevision}; completes with the key's new mod revision, or -1 if the
   * comparison failed.
   */
  CompletableFuture<Long> cas(byte[] key, long expectedModRevision, byte[] value);

  /** Writes a key and returns its mod revision (setup, not measured). */
  long putSync(byte[] key, byte[] value) throws Exception;

  /** CPU time (user and system) the system's server processes have used so far, in nanoseconds. */
  long serverCpuNanos();

  @Override
  void close() throws Exception;

  /** Total CPU time of {@code processes} (as the OS reports it for each), in nanoseconds. */
  static long cpuNanos(List<Process> processes) {
    long sum = 0;
    for (Process p : processes) {
      sum += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
    return sum;
  }
}
