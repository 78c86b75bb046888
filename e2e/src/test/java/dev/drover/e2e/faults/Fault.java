package dev.drover.e2e.faults;

/** The fault types the scenarios inject (see {@link FaultRun#inject}). */
public enum Fault {
  /** SIGKILL of the store leader; restarted on its data after the others recovered. */
  LEADER_KILL(false),
  /** One follower cut off from the other masters, both ways, then healed. */
  MINORITY_PARTITION(false),
  /** Every master cut off from every other (no majority anywhere), then healed. */
  MAJORITY_PARTITION(false),
  /** The leader's packets to the others dropped, theirs to it still arriving; then healed. */
  LEADER_ONE_WAY(false),
  /** SIGSTOP of the leader past the election timeout, then SIGCONT. */
  LEADER_PAUSE(false),
  /** SIGKILL of every master at once, then all started again. */
  POWER_OFF(false),
  /** SIGKILL of a master the moment it starts writing a snapshot; restarted. */
  SNAPSHOT_KILL(false),
  /** A follower killed, its whole store directory deleted, started empty to catch up. */
  FOLLOWER_WIPE(false),
  /** A master killed, the last entry of its open log segment torn, restarted. */
  TORN_TAIL(false),
  /** Every store link between masters through a proxy that delays what it relays; then direct. */
  SLOW_LINKS(false),
  /**
   * The store links between the leader and one follower, both ways, through proxies that keep the
   * connections open and relay nothing; then direct.
   */
  BLACKHOLED_LINK(false),
  /** An agent host powered off (agent, dockerd, containers); its pods replaced; booted again. */
  NODE_POWER_OFF(true),
  /** A rollout started, then an agent host powered off (agent, dockerd, containers); booted. */
  AGENT_KILL_IN_ROLLOUT(true),
  /** An agent host cut off from the masters past the node grace period, then healed. */
  AGENT_PARTITION(true),
  /** An orderly restart of an agent host's dockerd. */
  DOCKERD_RESTART(true),
  /**
   * An agent host's links to the masters through proxies: slow first, then relaying nothing past
   * the node grace period (its pods replaced elsewhere); then direct, and the old copies stop.
   */
  AGENT_LINK_BLACKHOLE(true);

  private final boolean needsAgents;

  Fault(boolean needsAgents) {
    this.needsAgents = needsAgents;
  }

  /** Whether the fault acts on agent hosts (and needs them). */
  public boolean needsAgents() {
    return needsAgents;
  }
}
