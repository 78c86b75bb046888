package dev.drover.cli.command;

/**
 * Calls back when the terminal is resized (SIGWINCH). The JDK's only hook for it is the unsupported
 * {@code sun.misc.Signal}; where that is missing, resizes are simply not followed.
 */
final class Resizes {
  private Resizes() {}

  /** Runs {@code action} on every resize of the controlling terminal from now on. */
  @SuppressWarnings("removal")
  static void onChange(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> action.run());
    } catch (IllegalArgumentException | LinkageError e) {
      // No SIGWINCH on this platform: the initial size stays.
    }
  }
}
