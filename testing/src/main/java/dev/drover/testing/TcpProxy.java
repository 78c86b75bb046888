package dev.drover.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A small TCP forwarder in the test JVM: every connection to its listen address is relayed to a
 * target, one thread per direction. In the fault harness (e2e) it is how hosts reach something
 * bound to the root namespace's loopback (the local registry), and the latency and loss injector
 * ({@code tc netem} is not in this kernel): {@link #latency} delays every chunk it relays, {@link
 * #loss} cuts a relayed connection with that probability per chunk (what a stream sees of heavy
 * loss: stalls and resets), {@link #blackhole} keeps connections open and relays nothing.
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
  private final Random random;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong cut = new AtomicLong();
  private volatile long latencyNanos;
  private volatile double loss;
  private volatile boolean blackhole;
  private volatile boolean closed;

  private TcpProxy(ServerSocket server, InetSocketAddress target, long seed) {
    this.server = server;
    this.target = target;
    this.random = new Random(seed);
  }

  /** Listens on {@code listen} (port 0 picks one) and relays to {@code target}. */
  public static TcpProxy start(InetSocketAddress listen, InetSocketAddress target) {
    return start(listen, target, 0L);
  }

  /** As {@link #start(InetSocketAddress, InetSocketAddress)}; {@code seed} drives the loss. */
  public static TcpProxy start(InetSocketAddress listen, InetSocketAddress target, long seed) {
    try {
      ServerSocket server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(listen);
      TcpProxy proxy = new TcpProxy(server, target, seed);
      Thread accept = new Thread(proxy::acceptLoop, "tcp-proxy-" + listen);
      accept.setDaemon(true);
      accept.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + listen, e);
    }
  }

  /** The address it listens on. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** Delays every relayed chunk by {@code delay} (zero: none). */
  public TcpProxy latency(Duration delay) {
    latencyNanos = delay.toNanos();
    return this;
  }

  /** Cuts a connection with probability {@code p} per relayed chunk (0: never). */
  public TcpProxy loss(double p) {
    if (p < 0 || p > 1) {
      throw new IllegalArgumentException("loss must be in [0, 1]: " + p);
    }
    loss = p;
    return this;
  }

  /** While on, accepts and holds connections but relays nothing (a silent network). */
  public TcpProxy blackhole(boolean on) {
    blackhole = on;
    return this;
  }

  /** Connections accepted so far. */
  public long connections() {
    return connections.get();
  }

  /** Connections cut by {@link #loss} so far. */
  public long cut() {
    return cut.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket in = server.accept();
        connections.incrementAndGet();
        Socket out = new Socket();
        open.add(in);
        open.add(out);
        try {
          out.connect(target, 5_000);
        } catch (IOException e) {
          closeQuietly(in, out);
          continue;
        }
        relay(in, out, "up");
        relay(out, in, "down");
      } catch (IOException e) {
        if (!closed) {
          System.err.println("tcp proxy " + address() + ": accept failed: " + e);
        }
      }
    }
  }

  private void relay(Socket from, Socket to, String direction) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream is = from.getInputStream();
                  OutputStream os = to.getOutputStream()) {
                int n;
                while ((n = is.read(buf)) >= 0) {
                  while ((blackhole || silenced.contains(from)) && !closed) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                  }
                  long delay = latencyNanos;
                  if (delay > 0) {
                    LockSupport.parkNanos(delay);
                  }
                  if (loss > 0 && nextDouble() < loss) {
                    cut.incrementAndGet();
                    break;
                  }
                  os.write(buf, 0, n);
                  os.flush();
                }
              } catch (IOException e) {
                // The other side went away; close both below.
              } finally {
                closeQuietly(from, to);
              }
            },
            "tcp-proxy-" + direction);
    t.setDaemon(true);
    t.start();
  }

  private synchronized double nextDouble() {
    return random.nextDouble();
  }

  private void closeQuietly(Socket... sockets) {
    for (Socket s : sockets) {
      open.remove(s);
      silenced.remove(s);
      try {
        s.close();
      } catch (IOException e) {
        // Closing is all that is left to do.
      }
    }
  }

  /**
   * The connections relayed now go silent for good, both ways, and stay open; new ones are relayed
   * as usual. To each end an old connection looks alive but never carries anything again: a
   * half-open connection, as when a middlebox or the peer's host lost its state without a reset.
   */
  public void silenceOpenConnections() {
    silenced.addAll(open);
  }

  /** Cuts every connection relayed now (their ends see a reset); new ones are still accepted. */
  public void cutConnections() {
    open.forEach(this::closeQuietly);
  }

  /** Stops listening and cuts every relayed connection. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // Closed is closed.
    }
    open.forEach(this::closeQuietly);
  }
}
