package dev.drover.bench.scheduler;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the benchmark JVM's CPU time went between two points: per group of threads (by name) plus
 * the rest of the process (GC, JIT compiler), so that a figure measured on a loaded machine can
 * still be read as CPU milliseconds per pod, which other processes' load does not change much.
 */
final class CpuAccount {

  /** Thread groups, first match wins; anything else is "other threads". */
  private static final List<Map.Entry<String, Pattern>> GROUPS =
      List.of(
          Map.entry("scheduling thread", Pattern.compile("^scheduler$")),
          Map.entry("scheduler writes", Pattern.compile("^scheduler-(writer|events)$")),
          Map.entry("bench client", Pattern.compile("^(bench-|main$)")),
          Map.entry("API + Raft client handlers", Pattern.compile("^grpc-default-executor")),
          Map.entry(
              "gRPC transport (API, Raft)", Pattern.compile("ELG|grpc-nio|grpc-default-worker")),
          Map.entry("Raft apply", Pattern.compile("StateMachineUpdater")),
          Map.entry("Raft log", Pattern.compile("RaftLogWorker|LeaderStateImpl|client-thread")),
          Map.entry("watch cache", Pattern.compile("^watch-cache")));

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<Long, Long> threadNanos;
  private final Map<Long, String> names;
  private final long processNanos;
  private final long gcMillis;
  private final long jitMillis;

  private CpuAccount(Map<Long, Long> threadNanos, Map<Long, String> names, long processNanos) {
    this.threadNanos = threadNanos;
    this.names = names;
    this.processNanos = processNanos;
    long gc = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      gc += Math.max(0, b.getCollectionTime());
    }
    this.gcMillis = gc;
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    this.jitMillis =
        jit != null && jit.isCompilationTimeMonitoringSupported()
            ? jit.getTotalCompilationTime()
            : 0;
  }

  /** The CPU time of every live thread and of the process, now. */
  static CpuAccount now() {
    Map<Long, Long> nanos = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long cpu = THREADS.getThreadCpuTime(t.getThreadId());
      if (cpu >= 0) {
        nanos.put(t.getThreadId(), cpu);
        names.put(t.getThreadId(), t.getThreadName());
      }
    }
    return new CpuAccount(nanos, names, processCpuNanos());
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * Milliseconds of CPU per group from {@code before} to this account, divided by {@code units};
   * first entry "process" (the whole JVM), last "GC, JIT, ended threads" (what no live thread
   * accounts for: garbage collection and compilation threads are not Java threads, and a thread
   * that ended meanwhile took its time with it).
   */
  Map<String, Double> since(CpuAccount before, double units) {
    Map<String, Double> out = new LinkedHashMap<>();
    double process = (processNanos - before.processNanos) / 1e6 / units;
    out.put("process", process);
    for (Map.Entry<String, Pattern> g : GROUPS) {
      out.put(g.getKey(), 0.0);
    }
    out.put("other threads", 0.0);
    double threads = 0;
    for (Map.Entry<Long, Long> t : threadNanos.entrySet()) {
      double ms = (t.getValue() - before.threadNanos.getOrDefault(t.getKey(), 0L)) / 1e6 / units;
      threads += ms;
      out.merge(group(names.get(t.getKey())), ms, Double::sum);
    }
    out.put("GC, JIT, ended threads", Math.max(0, process - threads));
    out.put("(of which GC, elapsed)", (gcMillis - before.gcMillis) / units);
    out.put("(of which JIT, elapsed)", (jitMillis - before.jitMillis) / units);
    return out;
  }

  private static String group(String threadName) {
    for (Map.Entry<String, Pattern> g : GROUPS) {
      if (g.getValue().matcher(threadName).find()) {
        return g.getKey();
      }
    }
    return "other threads";
  }
}
