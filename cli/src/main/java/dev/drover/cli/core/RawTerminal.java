package dev.drover.cli.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The controlling terminal of an interactive {@code drover exec -it}: its size, and raw mode (keys
 * passed through unechoed, Ctrl-C to the remote shell) for as long as the session lasts. Java has
 * no terminal API, so this runs {@code stty} on {@code /dev/tty}.
 */
public final class RawTerminal implements AutoCloseable {
  private static final File TTY = new File("/dev/tty");

  private final String saved;

  private RawTerminal(String saved) {
    this.saved = saved;
  }

  /** Puts the terminal in raw mode; restored by {@link #close()}. */
  public static RawTerminal enter() {
    String saved = stty("-g").trim();
    stty("raw", "-echo");
    return new RawTerminal(saved);
  }

  /** The terminal's size as {columns, rows}, or {0, 0} when unknown. */
  public static int[] size() {
    try {
      String[] rowsCols = stty("size").trim().split("\\s+");
      return new int[] {Integer.parseInt(rowsCols[1]), Integer.parseInt(rowsCols[0])};
    } catch (RuntimeException e) {
      return new int[] {0, 0};
    }
  }

  @Override
  public void close() {
    stty(saved);
  }

  private static String stty(String... args) {
    List<String> command = new ArrayList<>();
    command.add("stty");
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(TTY))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("stty " + String.join(" ", args) + " failed");
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run stty: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running stty", e);
    }
  }
}
