package dev.drover.agent.proxy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * Settings of a node's {@link ServiceProxy}.
 *
 * @param clusterPorts whether to listen on each service's port (ClusterIP-like access) at all
 * @param clusterAddresses where service ports are listened on: the node's address and the Docker
 *     bridge gateway, which containers on the bridge reach
 * @param serviceHost the address put in {@code <NAME>_SERVICE_HOST}
 * @param nodePortAddress where node ports are listened on ({@code 0.0.0.0}: every address)
 * @param threads event loop threads
 * @param connectTimeoutMillis how long a connect to one endpoint may take before the next is tried
 * @param resync how often failed binds are retried and affinities expired
 * @param transport which Netty transport carries the proxied connections
 */
public record ProxyConfig(
    boolean clusterPorts,
    List<String> clusterAddresses,
    String serviceHost,
    String nodePortAddress,
    int threads,
    int connectTimeoutMillis,
    Duration resync,
    Transport transport) {

  /** The Netty transport of the proxy's sockets. */
  public enum Transport {
    /** Linux's native epoll when its library loads here, otherwise NIO (said in a log line). */
    AUTO,
    /** The JDK's NIO selector, on every platform. */
    NIO,
    /** Linux's native epoll; the proxy refuses to start when its library cannot load. */
    EPOLL
  }

  /** Settings with the {@link Transport#AUTO} transport. */
  public ProxyConfig(
      boolean clusterPorts,
      List<String> clusterAddresses,
      String serviceHost,
      String nodePortAddress,
      int threads,
      int connectTimeoutMillis,
      Duration resync) {
    this(
        clusterPorts,
        clusterAddresses,
        serviceHost,
        nodePortAddress,
        threads,
        connectTimeoutMillis,
        resync,
        Transport.AUTO);
  }

  /** These settings with another transport. */
  public ProxyConfig withTransport(Transport t) {
    return new ProxyConfig(
        clusterPorts,
        clusterAddresses,
        serviceHost,
        nodePortAddress,
        threads,
        connectTimeoutMillis,
        resync,
        t);
  }

  /** The defaults for a node whose address is {@code hostIp}. */
  public static ProxyConfig forNode(String hostIp) {
    List<String> addresses = new ArrayList<>();
    addresses.add(hostIp);
    String bridge = bridgeGateway("docker0");
    if (bridge != null && !bridge.equals(hostIp)) {
      addresses.add(bridge);
    }
    return new ProxyConfig(
        true,
        List.copyOf(addresses),
        bridge != null ? bridge : hostIp,
        "0.0.0.0",
        Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
        2000,
        Duration.ofSeconds(10));
  }

  /** The IPv4 address of a local interface (the Docker bridge's is its gateway), or null. */
  static String bridgeGateway(String name) {
    try {
      NetworkInterface nic = NetworkInterface.getByName(name);
      if (nic == null) {
        return null;
      }
      for (Enumeration<InetAddress> e = nic.getInetAddresses(); e.hasMoreElements(); ) {
        InetAddress a = e.nextElement();
        if (a instanceof Inet4Address) {
          return a.getHostAddress();
        }
      }
    } catch (SocketException e) {
      return null;
    }
    return null;
  }
}
