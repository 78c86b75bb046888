package dev.drover.store.api;

import dev.drover.store.v1.StoreError;

/** Why a store operation failed. A failed write changed nothing. */
public final class KvStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The kinds of failure, each with a precise meaning for the caller. */
  public enum Kind {
    /** A request field is invalid; {@link #field()} names it. Retrying cannot help. */
    INVALID_ARGUMENT,
    /**
     * The revision asked for was compacted; {@link #compactRevision()} says where history starts.
     */
    COMPACTED,
    /**
     * The revision asked for is newer than the store's; {@link #currentRevision()} says which is.
     */
    FUTURE_REVISION,
    /** The lease does not exist (never granted, expired or revoked). */
    LEASE_NOT_FOUND,
    /** A lease with the requested id already exists. */
    LEASE_EXISTS,
    /** No leader or the store is closed or unreachable; the write may be retried. */
    UNAVAILABLE,
    /** The operation did not finish in time; it may or may not have been applied. */
    TIMEOUT,
    /** A bug or corrupt state. */
    INTERNAL
  }

  private final Kind kind;
  private final String field;
  private final long compactRevision;
  private final long currentRevision;

  /** A failure with every detail. */
  public KvStoreException(
      Kind kind,
      String message,
      String field,
      long compactRevision,
      long currentRevision,
      Throwable cause) {
    super(kind + ": " + message, cause);
    this.kind = kind;
    this.field = field == null ? "" : field;
    this.compactRevision = compactRevision;
    this.currentRevision = currentRevision;
  }

  /** A failure of the given kind with a message. */
  public KvStoreException(Kind kind, String message) {
    this(kind, message, "", 0, 0, null);
  }

  /** A failure of the given kind with a cause. */
  public KvStoreException(Kind kind, String message, Throwable cause) {
    this(kind, message, "", 0, 0, cause);
  }

  /** INVALID_ARGUMENT naming the bad field. */
  public static KvStoreException invalid(String field, String why) {
    return new KvStoreException(Kind.INVALID_ARGUMENT, field + ": " + why, field, 0, 0, null);
  }

  /** COMPACTED with the revision history now starts at. */
  public static KvStoreException compacted(long requested, long compactRevision) {
    return new KvStoreException(
        Kind.COMPACTED,
        "revision " + requested + " has been compacted; history starts at " + compactRevision,
        "",
        compactRevision,
        0,
        null);
  }

  /** FUTURE_REVISION with the current revision. */
  public static KvStoreException futureRevision(long requested, long currentRevision) {
    return new KvStoreException(
        Kind.FUTURE_REVISION,
        "revision " + requested + " is newer than the current revision " + currentRevision,
        "",
        0,
        currentRevision,
        null);
  }

  /** The kind of failure. */
  public Kind kind() {
    return kind;
  }

  /** For INVALID_ARGUMENT, the request field at fault (e.g. {@code success[2].put.key}). */
  public String field() {
    return field;
  }

  /** For COMPACTED, the compact revision: history is readable from it on. */
  public long compactRevision() {
    return compactRevision;
  }

  /** For FUTURE_REVISION, the store's current revision. */
  public long currentRevision() {
    return currentRevision;
  }

  /** This failure as the replicated error message. */
  public StoreError toProto() {
    return StoreError.newBuilder()
        .setKind(StoreError.Kind.valueOf(kind.name()))
        .setMessage(getMessage())
        .setField(field)
        .setCompactRevision(compactRevision)
        .setCurrentRevision(currentRevision)
        .build();
  }

  /** The exception a replicated error stands for. */
  public static KvStoreException fromProto(StoreError e) {
    Kind kind =
        e.getKind() == StoreError.Kind.UNRECOGNIZED
            ? Kind.INTERNAL
            : Kind.valueOf(e.getKind().name());
    String msg = e.getMessage();
    String prefix = kind + ": ";
    if (msg.startsWith(prefix)) {
      msg = msg.substring(prefix.length());
    }
    return new KvStoreException(
        kind, msg, e.getField(), e.getCompactRevision(), e.getCurrentRevision(), null);
  }

  /** Unwraps completion wrappers to the store exception, or wraps anything else as INTERNAL. */
  public static KvStoreException of(Throwable t) {
    Throwable c = t;
    while ((c instanceof java.util.concurrent.CompletionException
            || c instanceof java.util.concurrent.ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof KvStoreException) {
      return (KvStoreException) c;
    }
    return new KvStoreException(Kind.INTERNAL, String.valueOf(c), c);
  }
}
