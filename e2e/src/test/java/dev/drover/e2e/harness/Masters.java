package dev.drover.e2e.harness;

import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.MasterInfo;
import dev.drover.api.v1.MasterRole;
import dev.drover.client.Channels;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Drover masters as separate JVMs, one per host ({@code drover master} of the CLI, run as {@code
 * dev.drover.cli.Main} on this test's class path), forming one replicated store: each listens on
 * its host's address, API on {@value #API_PORT}, store on {@value #STORE_PORT}; data in {@code
 * DIR/ID}, output in {@code DIR/ID.log}. Each master is a {@link HostProcess}, so it can be killed
 * (SIGKILL), restarted on its data, paused and resumed. {@link Hosts#close()} kills them.
 */
public final class Masters implements AutoCloseable {

  /** Port of every master's control API (each host has its own network stack). */
  public static final int API_PORT = 7070;

  /** Port of every master's store (Raft) member. */
  public static final int STORE_PORT = 7071;

  private final Map<String, HostProcess> masters = new LinkedHashMap<>();
  private final Map<String, Path> dataDirs = new LinkedHashMap<>();
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

  /** Masters {@code m1..mN} on {@code on}, not started; data and logs under {@code dir}. */
  public Masters(Hosts hosts, List<Hosts.Host> on, Path dir) {
    this(hosts, on, dir, List.of());
  }

  /**
   * As {@link #Masters(Hosts, List, Path)}, with {@code extraArgs} added to every master's command
   * line (e.g. {@code --snapshot-every 200}).
   */
  public Masters(Hosts hosts, List<Hosts.Host> on, Path dir, List<String> extraArgs) {
    List<String> peers = new ArrayList<>();
    for (int i = 0; i < on.size(); i++) {
      peers.add("--peer");
      peers.add("m" + (i + 1) + "=" + on.get(i).ip() + ":" + STORE_PORT);
    }
    for (int i = 0; i < on.size(); i++) {
      String id = "m" + (i + 1);
      Hosts.Host host = on.get(i);
      List<String> cmd = Jvm.drover("256m", "master");
      cmd.addAll(
          List.of(
              "--id",
              id,
              "--data-dir",
              dir.resolve(id).toAbsolutePath().toString(),
              "--api-host",
              host.ip(),
              "--api-port",
              Integer.toString(API_PORT),
              "--metrics-port",
              "-1",
              // Every master of a cluster needs the same Secret keys.
              "--secret-key-file",
              dir.resolve("secret-keys").toAbsolutePath().toString(),
              // The harness drives the masters with plaintext channels.
              "--insecure",
              "--i-understand-plaintext"));
      cmd.addAll(peers);
      cmd.addAll(extraArgs);
      dataDirs.put(id, dir.resolve(id).toAbsolutePath());
      masters.put(id, hosts.process(host, id, cmd, dir.resolve(id + ".log").toAbsolutePath()));
      channels.put(id, Channels.plaintext(host.ip(), API_PORT));
    }
  }

  /** Starts every master (a store member waits for a majority, so they start together). */
  public Masters startAll() {
    masters.values().forEach(HostProcess::start);
    return this;
  }

  /** The ids, {@code m1..mN}. */
  public List<String> ids() {
    return List.copyOf(masters.keySet());
  }

  /** Master {@code id}'s process (kill, restart, pause, resume). */
  public HostProcess process(String id) {
    HostProcess p = masters.get(id);
    if (p == null) {
      throw new IllegalArgumentException("no master " + id + " (have " + masters.keySet() + ")");
    }
    return p;
  }

  /** The API endpoint ({@code ip:port}) of master {@code id}. */
  public String endpoint(String id) {
    return process(id).host().ip() + ":" + API_PORT;
  }

  /** Every API endpoint, in id order. */
  public List<String> endpoints() {
    return ids().stream().map(this::endpoint).toList();
  }

  /**
   * What master {@code id} itself says about the cluster, asked directly (no failover); empty when
   * it does not answer within two seconds.
   */
  public Optional<ClusterInfoResponse> clusterInfo(String id) {
    try {
      return Optional.of(
          ControlServiceGrpc.newBlockingStub(channels.get(id))
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .clusterInfo(ClusterInfoRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The masters whose own store member says it is the Raft leader right now (a master only knows
   * its own role, so each running one is asked). Two at once are possible for a moment: a leader
   * cut off from the others may not know yet that it was replaced.
   */
  public List<String> storeLeaders() {
    List<String> out = new ArrayList<>();
    for (String id : masters.keySet()) {
      if (process(id).isAlive()
          && clusterInfo(id).stream()
              .flatMap(info -> info.getMastersList().stream())
              .anyMatch(
                  m -> m.getId().equals(id) && m.getRole() == MasterRole.MASTER_ROLE_LEADER)) {
        out.add(id);
      }
    }
    return out;
  }

  /** The one store leader, when exactly one master says it leads. */
  public Optional<String> storeLeader() {
    List<String> leaders = storeLeaders();
    return leaders.size() == 1 ? Optional.of(leaders.get(0)) : Optional.empty();
  }

  /**
   * The store revision each master has applied, as it says itself (its watch cache, which follows
   * its own store member): what shows a member that stopped catching up while the others serve. A
   * master that does not answer is left out.
   */
  public Map<String, Long> appliedRevisions() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String id : masters.keySet()) {
      if (process(id).isAlive()) {
        clusterInfo(id).ifPresent(info -> out.put(id, info.getRevision()));
      }
    }
    return out;
  }

  /** The master that holds the active-master lease, as master {@code askedId} sees it. */
  public Optional<String> activeMaster(String askedId) {
    return clusterInfo(askedId).stream()
        .flatMap(info -> info.getMastersList().stream())
        .filter(MasterInfo::getActive)
        .map(MasterInfo::getId)
        .findFirst();
  }

  /** Master {@code id}'s store directory. */
  public Path dataDir(String id) {
    process(id);
    return dataDirs.get(id);
  }

  // ------------------------------------------------------------------ faults

  /**
   * Power cut of every master: SIGKILL to all of them first, then waiting for each to be gone, so
   * none sees another one go before its own end.
   */
  public void powerOff() {
    List<HostProcess> running = masters.values().stream().filter(HostProcess::isAlive).toList();
    running.forEach(HostProcess::signalKill);
    running.forEach(HostProcess::reap);
  }

  /** Starts every master that is not running (after {@link #powerOff()}, or a kill). */
  public void startStopped() {
    masters.values().stream().filter(p -> !p.isAlive()).forEach(HostProcess::start);
  }

  /**
   * SIGKILLs master {@code id} the moment its store starts writing a snapshot file (it watches the
   * state machine's directory with inotify). Returns what the kill caught: {@code true} when the
   * temporary file was still there (killed mid-write), {@code false} when the write had finished
   * (killed right after it). Throws when no snapshot starts within {@code within}.
   */
  public boolean killDuringSnapshot(String id, Duration within) throws IOException {
    Path sm = stateMachineDir(id, within);
    try (WatchService watch = sm.getFileSystem().newWatchService()) {
      sm.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      long deadline = System.nanoTime() + within.toNanos();
      while (System.nanoTime() < deadline) {
        WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
        if (key == null) {
          continue;
        }
        for (WatchEvent<?> e : key.pollEvents()) {
          String name = String.valueOf(e.context());
          if (name.startsWith("snapshot")) {
            process(id).kill();
            return SnapshotProbe.tmpPresent(sm);
          }
        }
        key.reset();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for a snapshot of " + id, e);
    }
    throw new IllegalStateException(id + " wrote no snapshot within " + within);
  }

  /** The Ratis state machine directory ({@code DATA/<group>/sm}) of master {@code id}. */
  private Path stateMachineDir(String id, Duration within) {
    return org.awaitility.Awaitility.await(id + "'s state machine directory")
        .atMost(within)
        .until(() -> SnapshotProbe.find(dataDir(id), "sm"), p -> p != null);
  }

  /**
   * Tears the tail of master {@code id}'s open log segment as a crash in the middle of an append
   * would (the process must be down): the last bytes of its last entry are zeroed, so its checksum
   * fails. Returns false when the segment held no entry to tear.
   */
  public boolean tearLogTail(String id) throws IOException {
    if (process(id).isAlive()) {
      throw new IllegalStateException(id + " is running; kill it first");
    }
    return SnapshotProbe.tearOpenSegment(dataDir(id));
  }

  /** Kills master {@code id}, deletes its whole store directory and starts it empty. */
  public void wipeAndRestart(String id) throws IOException {
    HostProcess p = process(id);
    if (p.isAlive()) {
      p.kill();
    }
    SnapshotProbe.deleteTree(dataDir(id));
    p.start();
  }

  /** Closes the harness's own channels (the processes belong to {@link Hosts}). */
  @Override
  public void close() {
    channels.values().forEach(Channels::close);
  }
}
