package dev.drover.e2e.harness;

import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.MasterInfo;
import dev.drover.api.v1.MasterRole;
import dev.drover.client.Channels;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
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
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

  /** Masters {@code m1..mN} on {@code on}, not started; data and logs under {@code dir}. */
  public Masters(Hosts hosts, List<Hosts.Host> on, Path dir) {
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

  /** The master that holds the active-master lease, as master {@code askedId} sees it. */
  public Optional<String> activeMaster(String askedId) {
    return clusterInfo(askedId).stream()
        .flatMap(info -> info.getMastersList().stream())
        .filter(MasterInfo::getActive)
        .map(MasterInfo::getId)
        .findFirst();
  }

  /** Closes the harness's own channels (the processes belong to {@link Hosts}). */
  @Override
  public void close() {
    channels.values().forEach(Channels::close);
  }
}
