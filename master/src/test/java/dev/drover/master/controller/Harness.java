package dev.drover.master.controller;

import dev.drover.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs controllers synchronously over a {@link FakeCluster} and a {@link FakeClock}: tests add
 * objects, call {@link #settle()} to let every controller process its queue until nothing is ready,
 * and {@link #advance(Duration)} to move time.
 */
public final class Harness {
  public final FakeClock clock = new FakeClock();
  public final FakeCluster cluster = new FakeCluster(clock);
  private final List<Controller> controllers = new ArrayList<>();

  /** Context for controllers under test. */
  public ControllerContext context() {
    return cluster.context();
  }

  /** Adds a controller to drive and enqueues its existing keys. */
  public <C extends Controller> C add(C controller) {
    controllers.add(controller);
    controller.resyncAll();
    return controller;
  }

  /**
   * Stops driving a controller, as when its master loses the active role; its keys stay queued but
   * are never processed again.
   */
  public void remove(Controller controller) {
    controllers.remove(controller);
  }

  /** Processes ready keys of every controller until none is ready. */
  public void settle() {
    for (int round = 0; round < 100_000; round++) {
      boolean any = false;
      for (Controller controller : controllers) {
        while (controller.processNext()) {
          any = true;
        }
      }
      if (!any) {
        return;
      }
    }
    throw new AssertionError("controllers did not settle");
  }

  /** Moves the clock and settles. */
  public void advance(Duration duration) {
    clock.advance(duration);
    settle();
  }

  /** Moves the clock in steps, settling after each, so that delayed keys fire in order. */
  public void advanceInSteps(Duration total, Duration step) {
    for (Duration done = Duration.ZERO; done.compareTo(total) < 0; done = done.plus(step)) {
      advance(step);
    }
  }
}
