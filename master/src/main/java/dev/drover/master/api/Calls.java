package dev.drover.master.api;

import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchEventType;
import dev.drover.master.cache.ExpiredException;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.cache.WatchFrame;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs service bodies and turns every failure into the API's status, so no call leaks an exception.
 */
final class Calls {
  private static final Logger LOG = LoggerFactory.getLogger(Calls.class);

  private Calls() {}

  /** Completes a unary call with the body's result or its failure as a status. */
  static <T> void unary(StreamObserver<T> out, Supplier<T> body) {
    if (refusedAsCancelled(out)) {
      return;
    }
    T result;
    try {
      result = body.get();
    } catch (Throwable t) {
      out.onError(toStatus(t));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  /**
   * Completes a unary call when the future the body returns does, with its result or its failure as
   * a status; no thread waits for it meanwhile.
   */
  static <T> void unaryAsync(StreamObserver<T> out, Supplier<CompletionStage<T>> body) {
    if (refusedAsCancelled(out)) {
      return;
    }
    CompletionStage<T> result;
    try {
      result = body.get();
    } catch (Throwable t) {
      out.onError(toStatus(t));
      return;
    }
    result.whenComplete(
        (r, t) -> {
          if (t != null) {
            out.onError(toStatus(t instanceof CompletionException ? t.getCause() : t));
          } else {
            out.onNext(r);
            out.onCompleted();
          }
        });
  }

  // The caller gave up (deadline passed while the call waited for a thread): doing the work
  // anyway is how an overloaded master falls further behind.
  private static boolean refusedAsCancelled(StreamObserver<?> out) {
    io.grpc.Context ctx = io.grpc.Context.current();
    if (!ctx.isCancelled()) {
      return false;
    }
    Status s =
        ctx.getDeadline() != null && ctx.getDeadline().isExpired()
            ? Status.DEADLINE_EXCEEDED
            : Status.CANCELLED;
    out.onError(
        s.withDescription("not started: the call was cancelled or its deadline passed")
            .asRuntimeException());
    return true;
  }

  /** The status a failure stands for; unexpected ones are logged and become INTERNAL. */
  static StatusRuntimeException toStatus(Throwable t) {
    StatusRuntimeException own = ApiErrors.statusOf(t);
    if (own != null) {
      return own;
    }
    if (t instanceof ExpiredException) {
      return ApiErrors.expired(t.getMessage());
    }
    LOG.warn("unexpected failure in an API call", t);
    return Status.INTERNAL.withDescription(String.valueOf(t)).asRuntimeException();
  }

  /** One message per event, the frames as they are (for a method bound by {@link WatchFrames}). */
  static List<WatchFrame> eachFrame(List<WatchFrame> batch) {
    return batch;
  }

  /** One message per event. */
  static List<WatchEvent> eachEvent(List<WatchFrame> batch) {
    List<WatchEvent> out = new ArrayList<>(batch.size());
    for (WatchFrame f : batch) {
      out.add(f.event());
    }
    return out;
  }

  /** One message for the whole batch. */
  static List<WatchEventBatch> wholeBatch(List<WatchFrame> batch) {
    return List.of(WatchEventBatch.newBuilder().addAllEvents(eachEvent(batch)).build());
  }

  /**
   * Serves a watch stream from the cache: events go out in order; an ERROR event ends the stream;
   * client cancellation closes the cache watch; a draining master ends it with UNAVAILABLE. An
   * expired start version is reported as an ERROR event with reason Expired, as docs/API.md says.
   * {@code messages} turns each batch the cache hands over into the stream's messages: one per
   * event for Watch (frames as they are for a method bound by {@link WatchFrames}, whose encoding
   * is shared by every stream), one per batch for WatchBatched. Nothing is sent while a lock of the
   * cache is held: the cache's sender threads call in.
   */
  static <T> void watch(
      WatchCache cache,
      StreamRegistry streams,
      WatchCache.WatchSpec spec,
      StreamObserver<T> out,
      Function<List<WatchFrame>, List<T>> messages) {
    ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) out;
    java.lang.Object sendLock = new java.lang.Object();
    boolean[] ended = new boolean[1];
    WatchCache.WatchHandle[] handle = new WatchCache.WatchHandle[1];
    StreamRegistry.Stream[] self = new StreamRegistry.Stream[1];
    Runnable cleanup =
        () -> {
          synchronized (sendLock) {
            ended[0] = true;
            if (handle[0] != null) {
              handle[0].close();
            }
          }
          streams.remove(self[0]);
        };
    self[0] =
        status -> {
          synchronized (sendLock) {
            if (ended[0]) {
              return;
            }
            ended[0] = true;
            if (handle[0] != null) {
              handle[0].close();
            }
            try {
              call.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
              LOG.debug("ending a watch stream failed", e);
            }
          }
        };
    call.setOnCancelHandler(cleanup);
    // Flow control: the cache hands events over only while gRPC's buffer for this stream has
    // room, so a slow watcher waits in the cache's bounded backlog, not in direct memory.
    call.setOnReadyHandler(
        () -> {
          WatchCache.WatchHandle h;
          synchronized (sendLock) {
            h = handle[0];
          }
          if (h != null) {
            h.resume();
          }
        });
    if (!streams.add(self[0])) {
      call.onError(
          Status.UNAVAILABLE.withDescription("master is shutting down").asRuntimeException());
      return;
    }
    try {
      WatchCache.WatchHandle h =
          cache.watchFrames(
              spec,
              batch -> {
                synchronized (sendLock) {
                  if (ended[0] || call.isCancelled()) {
                    return;
                  }
                  for (T m : messages.apply(batch)) {
                    call.onNext(m);
                  }
                  if (batch.get(batch.size() - 1).event().getType()
                      == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
                    ended[0] = true;
                    call.onCompleted();
                    streams.remove(self[0]);
                  }
                }
              },
              call::isReady);
      synchronized (sendLock) {
        handle[0] = h;
        if (ended[0]) {
          h.close();
        }
      }
    } catch (ExpiredException e) {
      streams.remove(self[0]);
      for (T m : messages.apply(List.of(WatchFrame.of(WatchCache.expiredStatus(e.getMessage()))))) {
        call.onNext(m);
      }
      call.onCompleted();
    } catch (Throwable t) {
      streams.remove(self[0]);
      call.onError(toStatus(t));
    }
  }
}
