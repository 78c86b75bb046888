package dev.drover.master.events;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventSource;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.master.registry.Registry;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records events about objects on behalf of one component (a controller, the scheduler): builds
 * each event (involved object, reason, type, source, times) and hands it to an {@link EventSink}.
 * Events are best effort: a failure to record one is logged and never fails the work that produced
 * it.
 */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  private final EventSink sink;
  private final Clock clock;
  private final String component;

  /** A recorder writing events as {@code component} to {@code sink}, timed by {@code clock}. */
  public EventRecorder(EventSink sink, Clock clock, String component) {
    this.sink = sink;
    this.clock = clock;
    this.component = component;
  }

  /** Records a Normal event. */
  public void normal(Message object, String reason, String message) {
    record(object, EventType.EVENT_TYPE_NORMAL, reason, message);
  }

  /** Records a Warning event. */
  public void warning(Message object, String reason, String message) {
    record(object, EventType.EVENT_TYPE_WARNING, reason, message);
  }

  /** Records an event of {@code type} with a CamelCase {@code reason} about {@code object}. */
  public void record(Message object, EventType type, String reason, String message) {
    ObjectMeta meta = ApiObjects.meta(object);
    String namespace =
        meta.getNamespace().isEmpty() ? Registry.DEFAULT_NAMESPACE : meta.getNamespace();
    var now = ApiObjects.timestamp(clock.instant());
    Event event =
        Event.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder()
                    .setNamespace(namespace)
                    // "-", not ".": the validator accepts a generate_name ending in "-" only.
                    .setGenerateName(meta.getName() + "-"))
            .setInvolvedObject(ApiObjects.reference(object))
            .setReason(reason)
            .setMessage(message)
            .setType(type)
            .setSource(EventSource.newBuilder().setComponent(component))
            .setCount(1)
            .setFirstTimestamp(now)
            .setLastTimestamp(now)
            .setEventTime(now)
            .setReportingComponent("drover.dev/" + component)
            .build();
    try {
      sink.write(event);
    } catch (RuntimeException e) {
      LOG.warn(
          "could not record event {} about {}: {}", reason, ApiObjects.key(object), e.toString());
    }
  }
}
