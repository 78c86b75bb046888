package dev.drover.master.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The bearer token a scraper presents to the master's {@code /metrics} ({@code Authorization:
 * Bearer TOKEN}), read from a file as Prometheus' own {@code credentials_file} is written. Without
 * one the metrics port may bind only a loopback address: metrics name namespaces, methods and
 * request rates, which a host on the network should not read unasked.
 */
public final class MetricsToken {
  private final byte[] expected;

  private MetricsToken(String token) {
    this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  /** The token in {@code file} (surrounding white space dropped); refused when empty or absent. */
  public static MetricsToken fromFile(Path file) {
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("metricsTokenFile: cannot read " + file + ": " + e, e);
    }
    if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "metricsTokenFile: " + file + " must hold one token without white space");
    }
    return new MetricsToken(token);
  }

  /**
   * Why a request with this {@code Authorization} header is refused, or null when it may scrape.
   */
  public String refusal(String authorization) {
    if (authorization == null || authorization.isEmpty()) {
      return "metrics need Authorization: Bearer TOKEN";
    }
    byte[] given = authorization.getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, given) ? null : "the metrics token does not match";
  }

  /**
   * Refuses to serve metrics on {@code host} (named by {@code field} in the message) without a
   * token unless the host is a loopback address.
   */
  public static void check(String field, String host, MetricsToken token) {
    if (token == null && !isLoopback(host)) {
      throw new IllegalArgumentException(
          field
              + ": "
              + host
              + " is not a loopback address; metrics served there need a bearer token"
              + " (metricsTokenFile, --metrics-token-file)");
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
