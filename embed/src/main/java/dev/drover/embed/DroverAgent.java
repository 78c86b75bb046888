package dev.drover.embed;

import dev.drover.agent.NodeAgent;

/**
 * A running in-process node agent. Closing it stops the agent; with the Docker runtime its
 * containers keep running and are adopted by the next agent on the same data directory, as after a
 * restart of a real agent.
 */
public final class DroverAgent implements AutoCloseable {

  private final NodeAgent agent;
  private final String nodeName;

  DroverAgent(NodeAgent agent, String nodeName) {
    this.agent = agent;
    this.nodeName = nodeName;
  }

  /** The name of the node this agent registered. */
  public String nodeName() {
    return nodeName;
  }

  /** The agent itself, for what the handle does not expose. */
  public NodeAgent nodeAgent() {
    return agent;
  }

  @Override
  public void close() {
    agent.close();
  }
}
