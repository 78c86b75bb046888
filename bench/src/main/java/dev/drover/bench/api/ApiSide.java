package dev.drover.bench.api;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * One system under {@link ApiBench}: three members on loopback, a way to write one value of the
 * workload and to learn the version it got, and what the watcher process needs to watch it.
 */
interface ApiSide extends AutoCloseable {

  /** "drover" or "etcd" (also the watcher process's mode). */
  String name();

  /** The members' client endpoints ({@code host:port}), in member order. */
  List<String> endpoints();

  /**
   * Prepares round {@code round}'s key space (a namespace, a key prefix) and returns the version to
   * watch from: nothing written before it is delivered.
   */
  long prepare(int round) throws Exception;

  /** The watch target of round {@code round}: a namespace (Drover) or a key prefix (etcd). */
  String watchTarget(int round);

  /**
   * Writes value {@code index} of round {@code round} through member {@code member}; {@code done}
   * gets the version the write was given, or the failure.
   */
  void write(int round, int index, int member, BiConsumer<Long, Throwable> done);

  /** CPU time the members' processes have used, in nanoseconds. */
  long serverCpuNanos();

  /** Resident memory of the members' processes, in bytes (0 when not known). */
  long serverRssBytes();

  /** The CPU time of {@code processes}, summed. */
  static long cpuNanos(List<Process> processes) {
    return processes.stream()
        .mapToLong(p -> p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L))
        .sum();
  }

  /** The resident set of {@code processes}, summed, from {@code /proc/PID/status}. */
  static long rssBytes(List<Process> processes) {
    long sum = 0;
    for (Process p : processes) {
      try {
        for (String line :
            java.nio.file.Files.readAllLines(
                java.nio.file.Path.of("/proc", Long.toString(p.pid()), "status"))) {
          if (line.startsWith("VmRSS:")) {
            sum += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (java.io.IOException e) {
        return 0;
      }
    }
    return sum;
  }
}
