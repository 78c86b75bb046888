package dev.drover.agent.sync;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Hands out host ports from the agent's configured range for container ports without a fixed host
 * port. Ports in use by adopted pods are reserved again at adoption; a port some other process
 * holds is skipped.
 */
final class PortAllocator {

  private final int first;
  private final int last;
  private final Set<Integer> used = new HashSet<>();
  private int next;

  /** A range [first, last]; first == 0 means no dynamic allocation. */
  PortAllocator(int first, int last) {
    if (first != 0 && (first < 1 || last > 65535 || first > last)) {
      throw new IllegalArgumentException(
          "hostPortRange: want 1 <= first <= last <= 65535, got " + first + "-" + last);
    }
    this.first = first;
    this.last = last;
    this.next = first;
  }

  boolean enabled() {
    return first != 0;
  }

  synchronized void reserve(int port) {
    used.add(port);
  }

  synchronized void release(int port) {
    used.remove(port);
  }

  /** A free port of the range; throws when the range is exhausted. */
  synchronized int allocate() {
    int size = last - first + 1;
    for (int i = 0; i < size; i++) {
      int port = next;
      next = next == last ? first : next + 1;
      if (!used.contains(port) && bindable(port)) {
        used.add(port);
        return port;
      }
    }
    throw new IllegalStateException("no free host port left in " + first + "-" + last);
  }

  // With SO_REUSEADDR, as Docker's own listeners bind: a port is skipped when a socket holds it,
  // not when a closed connection that used it lingers in TIME_WAIT (for about a minute after any
  // outgoing connection from it, since ranges may overlap the ephemeral ports).
  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
