package dev.drover.master.auth;

/**
 * How much of the API one client may use, so that none starves the others: requests served at once
 * (the rest wait in the API executor's queue; past {@code maxInFlight} they are refused), open
 * streams per client, a request rate per client (a token bucket of {@code burst} refilled at {@code
 * requestsPerSecond}), and the largest request message. A client is its principal; every caller of
 * an insecure master is the same principal, so there a client is its principal and address.
 *
 * @param executorThreads threads serving API calls
 * @param maxInFlight calls (not streams) started and not yet answered, beyond which calls are
 *     refused with RESOURCE_EXHAUSTED; counted apart for the nodes' calls (NodeService) and for
 *     everyone else's, so that neither can shed the other
 * @param maxStreamsPerClient open watch and log streams per client
 * @param requestsPerSecond sustained calls per second per client; 0 turns the rate limit off
 * @param burst calls a client may make at once after being idle
 * @param maxMessageBytes largest request message; larger ones answer INVALID_ARGUMENT
 */
public record Limits(
    int executorThreads,
    int maxInFlight,
    int maxStreamsPerClient,
    double requestsPerSecond,
    int burst,
    int maxMessageBytes) {

  /** Largest request message by default (objects are at most 1 MiB; Apply carries several). */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  public Limits {
    if (executorThreads < 1 || maxInFlight < 1 || maxStreamsPerClient < 1 || burst < 1) {
      throw new IllegalArgumentException("limits must be positive: " + this);
    }
    if (requestsPerSecond < 0 || maxMessageBytes < 1024) {
      throw new IllegalArgumentException("bad rate or message limit: " + this);
    }
  }

  /**
   * Generous defaults: 64 threads, 1,024 calls in flight (for the nodes, and for the rest), 2,048
   * streams and 1,000 calls a second (bursts of 2,000) per client, 16 MiB messages.
   */
  public static Limits defaults() {
    return new Limits(64, 1024, 2048, 1000, 2000, DEFAULT_MAX_MESSAGE_BYTES);
  }

  /** These limits with another rate per client. */
  public Limits withRate(double perSecond, int burst) {
    return new Limits(
        executorThreads, maxInFlight, maxStreamsPerClient, perSecond, burst, maxMessageBytes);
  }

  /** These limits with another cap on open streams per client. */
  public Limits withMaxStreams(int perClient) {
    return new Limits(
        executorThreads, maxInFlight, perClient, requestsPerSecond, burst, maxMessageBytes);
  }

  /** These limits with another largest request message. */
  public Limits withMaxMessageBytes(int bytes) {
    return new Limits(
        executorThreads, maxInFlight, maxStreamsPerClient, requestsPerSecond, burst, bytes);
  }

  /**
   * What the transport accepts before the API limit is even checked: above {@link
   * #maxMessageBytes}, so that an oversized message reaches the check and answers INVALID_ARGUMENT;
   * only past this hard cap does the transport refuse it itself.
   */
  public int transportMaxMessageBytes() {
    return (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes);
  }
}
