package dev.drover.agent.proxy;

import dev.drover.agent.sync.ServiceEnvironment;
import dev.drover.api.ApiObjects;
import dev.drover.api.ServiceTypes;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.LoadBalancing;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.SessionAffinity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's service proxy (Kubernetes' kube-proxy role): from the Services and Endpoints it is
 * given, it keeps one Netty listener per service port on each cluster address ({@link
 * ProxyConfig#clusterAddresses}) and, for NodePort services, one per node port on the node port
 * address, and forwards each accepted connection to a ready endpoint ({@link Relay}). Changes are
 * reconciled on one thread: a listener whose service port still exists gets the new route in place
 * (open connections are untouched), listeners nobody wants are closed, new ones are bound. A bind
 * that fails (the port is in use on this node, or two services want it) is reported once as a
 * Warning event on the service and tried again at the next resync; other services are unaffected.
 * Sockets use Linux's native epoll where it loads ({@link ProxyTransport}); each listener and the
 * connections it accepts, with their backend sockets, stay on one event loop thread.
 */
public final class ServiceProxy implements ServiceEnvironment, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServiceProxy.class);

  /** Kubernetes' default ClientIP affinity timeout. */
  static final int DEFAULT_AFFINITY_SECONDS = 10800;

  /** Receives Warning events about services (reason, message). */
  @FunctionalInterface
  public interface EventSink {
    void warning(Service service, String reason, String message);
  }

  /** Where one listener listens. */
  record ListenKey(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  private static final class Listener {
    final Channel server;
    final AtomicReference<Route> route;

    Listener(Channel server, AtomicReference<Route> route) {
      this.server = server;
      this.route = route;
    }
  }

  private final ProxyConfig config;
  private final String nodeName;
  private final EventSink events;
  private final ProxyTransport transport;
  private final EventLoopGroup loops;
  private final ScheduledExecutorService loop;
  private final Map<String, Service> services = new ConcurrentHashMap<>();
  private final Map<String, Endpoints> endpoints = new ConcurrentHashMap<>();
  private final Map<ListenKey, Listener> listeners = new HashMap<>();
  private final Map<String, Balancer> balancers = new HashMap<>();
  private final Map<String, ProxyMetrics> metrics = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> reported = new HashMap<>();
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile boolean closed;

  /**
   * The proxy of no particular node: every endpoint is dialed at its host address and port. Nothing
   * listens until services are given and {@link #start} ran.
   */
  public ServiceProxy(ProxyConfig config, EventSink events) {
    this(config, "", events);
  }

  /**
   * The proxy of node {@code nodeName}: endpoints of pods on this node are dialed at the pod's own
   * address and container port, the others at their host address and port ({@link Dial}). Nothing
   * listens until services are given and {@link #start} ran.
   */
  public ServiceProxy(ProxyConfig config, String nodeName, EventSink events) {
    this.config = config;
    this.nodeName = nodeName;
    this.events = events;
    this.transport = ProxyTransport.choose(config.transport());
    this.loops = transport.newGroup(config.threads(), "proxy-io");
    log.info(
        "service proxy: {} transport, {} event loop threads", transport.kind(), config.threads());
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "proxy-reconcile");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the periodic resync, which retries failed binds and expires affinities. */
  public ServiceProxy start() {
    loop.scheduleWithFixedDelay(
        this::reconcileNow,
        config.resync().toMillis(),
        config.resync().toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  /** A service was added or changed. */
  public void putService(Service svc) {
    services.put(ApiObjects.key(svc), svc);
    reconcile();
  }

  /** A service was deleted. */
  public void removeService(String key) {
    services.remove(key);
    reconcile();
  }

  /** Endpoints were added or changed. */
  public void putEndpoints(Endpoints ep) {
    endpoints.put(ApiObjects.key(ep), ep);
    reconcile();
  }

  /** Endpoints were deleted. */
  public void removeEndpoints(String key) {
    endpoints.remove(key);
    reconcile();
  }

  /** Replaces every service (after a relist). */
  public void replaceServices(List<Service> all) {
    Map<String, Service> next = new HashMap<>();
    all.forEach(s -> next.put(ApiObjects.key(s), s));
    services.keySet().retainAll(next.keySet());
    services.putAll(next);
    reconcile();
  }

  /** Replaces every endpoints object (after a relist). */
  public void replaceEndpoints(List<Endpoints> all) {
    Map<String, Endpoints> next = new HashMap<>();
    all.forEach(e -> next.put(ApiObjects.key(e), e));
    endpoints.keySet().retainAll(next.keySet());
    endpoints.putAll(next);
    reconcile();
  }

  /** Schedules a reconcile; several changes in a row are applied together. */
  public void reconcile() {
    if (!closed && pending.compareAndSet(false, true)) {
      loop.execute(this::reconcileNow);
    }
  }

  /** Runs a reconcile on the proxy's thread and waits for it (for tests). */
  public void reconcileAndWait() {
    try {
      loop.submit(this::reconcileNow).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("reconcile did not finish", e);
    }
  }

  /** The transport the proxy's sockets use: epoll or NIO. */
  public ProxyConfig.Transport transport() {
    return transport.kind();
  }

  /** The counters of a service ({@code namespace/name}), or null if it never had a listener. */
  public ProxyMetrics metrics(String service) {
    return metrics.get(service);
  }

  /** The counters of every service that has a listener now, by {@code namespace/name}. */
  public Map<String, ProxyMetrics> allMetrics() {
    return Map.copyOf(metrics);
  }

  /** Where listeners are bound now, each to its service and port name (for tests and logs). */
  public synchronized Map<String, String> listening() {
    Map<String, String> out = new TreeMap<>();
    listeners.forEach(
        (k, l) -> {
          Route r = l.route.get();
          out.put(k.toString(), r.service() + (r.portName().isEmpty() ? "" : "/" + r.portName()));
        });
    return out;
  }

  /** The backends a service's ports choose from now ({@code namespace/name}). */
  public synchronized List<Backend> backends(String service) {
    List<Backend> out = new ArrayList<>();
    balancers.forEach(
        (k, b) -> {
          if (k.startsWith(service + "/")) {
            out.addAll(b.ready());
          }
        });
    return out;
  }

  @Override
  public Map<String, String> forNamespace(String namespace) {
    List<Service> in = new ArrayList<>();
    for (Service s : new TreeMap<>(services).values()) {
      if (s.getMetadata().getNamespace().equals(namespace)) {
        in.add(s);
      }
    }
    return ServiceEnv.of(in, config.serviceHost());
  }

  private void reconcileNow() {
    pending.set(false);
    if (closed) {
      return;
    }
    try {
      apply();
    } catch (RuntimeException e) {
      log.warn("service proxy reconcile failed; retried at the next resync", e);
    }
  }

  private synchronized void apply() {
    Map<ListenKey, Route> desired = new HashMap<>();
    Map<ListenKey, Service> owner = new HashMap<>();
    Map<String, Set<String>> problems = new HashMap<>();
    Set<String> liveBalancers = new HashSet<>();
    // Sorted, so that when two services want one port the same one wins on every node.
    for (Service svc : new TreeMap<>(services).values()) {
      if (svc.getSpec().getClusterIp().equals("None")) {
        // Headless: clients reach the pods by name, there is no service address to listen on.
        continue;
      }
      String key = ApiObjects.key(svc);
      ProxyMetrics m = metrics.computeIfAbsent(key, k -> new ProxyMetrics());
      for (ServicePort port : svc.getSpec().getPortsList()) {
        if (port.getProtocol() == Protocol.PROTOCOL_UDP) {
          continue;
        }
        Balancer balancer = balancer(svc, port);
        liveBalancers.add(balancerKey(svc, port));
        balancer.update(ready(endpoints.get(key), port.getName(), nodeName));
        Route route = new Route(key, port.getName(), balancer, svc.getSpec().getProxyProtocol(), m);
        List<ListenKey> wanted = new ArrayList<>();
        if (config.clusterPorts()) {
          for (String host : config.clusterAddresses()) {
            wanted.add(new ListenKey(host, port.getPort()));
          }
        }
        if (ServiceTypes.hasNodePorts(svc.getSpec().getType()) && port.getNodePort() != 0) {
          wanted.add(new ListenKey(config.nodePortAddress(), port.getNodePort()));
        }
        for (ListenKey k : wanted) {
          Service first = owner.putIfAbsent(k, svc);
          if (first != null && first != svc) {
            problem(problems, key, "PortConflict", k + " is wanted by " + ApiObjects.key(first));
            continue;
          }
          desired.put(k, route);
        }
      }
    }
    balancers.keySet().retainAll(liveBalancers);
    metrics.keySet().retainAll(services.keySet());
    for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!desired.containsKey(e.getKey())) {
        // Closing the server channel stops accepting; connections it accepted stay open.
        e.getValue().server.close().awaitUninterruptibly();
        it.remove();
        log.info("service proxy: stopped listening on {}", e.getKey());
      }
    }
    for (var e : desired.entrySet()) {
      Listener l = listeners.get(e.getKey());
      if (l != null) {
        l.route.set(e.getValue());
        continue;
      }
      String failure = bind(e.getKey(), e.getValue());
      if (failure != null) {
        problem(problems, e.getValue().service(), "FailedToListen", failure);
      }
    }
    report(problems);
  }

  private static void problem(
      Map<String, Set<String>> problems, String service, String reason, String message) {
    problems.computeIfAbsent(service, k -> new HashSet<>()).add(reason + ": " + message);
  }

  /** Sends an event for each problem not reported before (per service), and forgets fixed ones. */
  private void report(Map<String, Set<String>> problems) {
    reported.keySet().retainAll(problems.keySet());
    problems.forEach(
        (key, now) -> {
          Set<String> before = reported.getOrDefault(key, Set.of());
          Service svc = services.get(key);
          for (String p : now) {
            if (!before.contains(p) && svc != null) {
              int colon = p.indexOf(": ");
              log.warn("service {}: {}", key, p);
              try {
                events.warning(svc, p.substring(0, colon), p.substring(colon + 2));
              } catch (RuntimeException e) {
                log.debug("could not record the event of service {}", key, e);
              }
            }
          }
          reported.put(key, now);
        });
  }

  /** Binds a listener; returns why it failed, or null. */
  private String bind(ListenKey key, Route route) {
    AtomicReference<Route> ref = new AtomicReference<>(route);
    // One loop accepts and serves every connection of this listener, with their backend sockets:
    // a connection never hands over to another thread, which on a busy machine means waiting to
    // be scheduled again. Listeners spread over the loops.
    EventLoop acceptor = loops.next();
    ChannelFuture f =
        new ServerBootstrap()
            .group(acceptor, acceptor)
            .channelFactory(transport.servers())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(Relay.of(ch, ref::get, transport, config.connectTimeoutMillis()));
                  }
                })
            .bind(key.host(), key.port())
            .awaitUninterruptibly();
    if (!f.isSuccess()) {
      return "cannot listen on "
          + key
          + " for port "
          + (route.portName().isEmpty() ? "" : route.portName() + " ")
          + "of the service: "
          + f.cause().getMessage();
    }
    listeners.put(key, new Listener(f.channel(), ref));
    log.info("service proxy: {} listening on {}", route.service(), key);
    return null;
  }

  private static String balancerKey(Service svc, ServicePort port) {
    return ApiObjects.key(svc) + "/" + port.getName() + "/" + port.getPort();
  }

  /** The port's balancer, kept across changes unless its policy or affinity changed. */
  private Balancer balancer(Service svc, ServicePort port) {
    Balancer.Policy policy =
        svc.getSpec().getLoadBalancing() == LoadBalancing.LOAD_BALANCING_LEAST_CONNECTIONS
            ? Balancer.Policy.LEAST_CONNECTIONS
            : Balancer.Policy.ROUND_ROBIN;
    long affinity = 0;
    if (svc.getSpec().getSessionAffinity() == SessionAffinity.SESSION_AFFINITY_CLIENT_IP) {
      int t = svc.getSpec().getSessionAffinityTimeoutSeconds();
      affinity = t > 0 ? t : DEFAULT_AFFINITY_SECONDS;
    }
    String key = balancerKey(svc, port);
    Balancer b = balancers.get(key);
    if (b == null || b.policy() != policy || b.affinitySeconds() != affinity) {
      b = new Balancer(policy, affinity, System::nanoTime);
      balancers.put(key, b);
    } else if (affinity > 0) {
      b.expireAffinities();
    }
    return b;
  }

  /**
   * The ready backends of one service port, from its endpoints, as the proxy of node {@code
   * localNode} dials them ({@link Dial}).
   */
  static List<Backend> ready(Endpoints ep, String portName, String localNode) {
    List<Backend> out = new ArrayList<>();
    if (ep == null) {
      return out;
    }
    for (EndpointSubset subset : ep.getSubsetsList()) {
      EndpointPort port = null;
      for (EndpointPort p : subset.getPortsList()) {
        if (p.getName().equals(portName) && p.getProtocol() != Protocol.PROTOCOL_UDP) {
          port = p;
        }
      }
      if (port == null) {
        continue;
      }
      for (EndpointAddress a : subset.getAddressesList()) {
        out.add(Dial.backend(localNode, a, port));
      }
    }
    return out;
  }

  /** Stops every listener; open connections are closed with the event loops. */
  @Override
  public void close() {
    closed = true;
    loop.shutdownNow();
    synchronized (this) {
      listeners.values().forEach(l -> l.server.close());
      listeners.clear();
    }
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
