package dev.drover.master.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's files (HTML, CSS, JavaScript), bundled in the master's jar under {@code
 * dev/drover/master/http/console/} and served from memory at {@code /ui/}: nothing is fetched from
 * anywhere at run time.
 */
final class ConsoleFiles {
  private static final String ROOT = "/dev/drover/master/http/console/";
  private static final Set<String> FILES = Set.of("index.html", "console.css", "console.js");
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "js", "text/javascript; charset=utf-8");

  private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

  /** Answers with the file at {@code name} ("" is index.html), or 404. */
  void serve(String name, Reply reply) {
    String file = name.isEmpty() ? "index.html" : name;
    if (!FILES.contains(file)) {
      reply.fail(new HttpErrors.HttpError(404, "the console has no file " + file));
      return;
    }
    byte[] body = cache.computeIfAbsent(file, ConsoleFiles::load);
    String type = TYPES.get(file.substring(file.lastIndexOf('.') + 1));
    reply.send(200, type, body);
  }

  private static byte[] load(String file) {
    try (InputStream in = ConsoleFiles.class.getResourceAsStream(ROOT + file)) {
      if (in == null) {
        throw new IllegalStateException("console file " + file + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
