package dev.drover.cli.command;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a daemon command ({@code master}, {@code agent}, {@code dev}) in the foreground until the
 * JVM is asked to stop (Ctrl-C, SIGTERM) or the waiting thread is interrupted. Used as the first
 * resource of a try-with-resources block: the daemons opened after it close first, and only then
 * does {@link #close()} let the JVM's shutdown finish, so a stop is always a clean one.
 */
final class ShutdownSignal implements AutoCloseable {

  /** Longest a shutdown waits for the daemons to close. */
  private static final long CLOSE_WAIT_SECONDS = 60;

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread hook;

  ShutdownSignal() {
    hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                closed.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "drover-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Blocks until the JVM is asked to stop; throws if the thread is interrupted first. */
  void await() throws InterruptedException {
    stop.await();
  }

  @Override
  public void close() {
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down already; the hook is running and has just been released.
    }
  }
}
