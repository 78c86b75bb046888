package dev.drover.master.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.NodeServiceGrpc;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The calls in flight are counted in two priority levels: the nodes' calls (NodeService) and
 * everyone else's each have the whole cap, so a full level sheds only its own calls. Driven through
 * the interceptor with calls that stay unanswered until the test closes them.
 */
class InFlightLevelsTest {
  private static final int CAP = 2;

  private final LimitsInterceptor limits =
      new LimitsInterceptor(new Limits(4, CAP, 16, 0, 1, Limits.DEFAULT_MAX_MESSAGE_BYTES));

  /** The calls the service saw, as it saw them (closing one answers it). */
  private final List<ServerCall<?, ?>> served = new ArrayList<>();

  private final ServerCallHandler<Object, Object> service =
      (call, headers) -> {
        served.add(call);
        return new ServerCall.Listener<>() {};
      };

  @SuppressWarnings("unchecked")
  private static MethodDescriptor<Object, Object> get() {
    return (MethodDescriptor<Object, Object>)
        (MethodDescriptor<?, ?>) ControlServiceGrpc.getGetMethod();
  }

  @SuppressWarnings("unchecked")
  private static MethodDescriptor<Object, Object> heartbeat() {
    return (MethodDescriptor<Object, Object>)
        (MethodDescriptor<?, ?>) NodeServiceGrpc.getHeartbeatMethod();
  }

  /** Starts a call of {@code method} from a network peer; its status once refused, else null. */
  private Status start(MethodDescriptor<Object, Object> method) {
    Call call = new Call(method);
    limits.interceptCall(call, new Metadata(), service);
    return call.closedWith;
  }

  /** Starts {@value #CAP} calls of {@code method} that are served, then one that is shed. */
  private void fill(MethodDescriptor<Object, Object> method, String refusal) {
    for (int i = 0; i < CAP; i++) {
      assertThat(start(method)).as("%s call %s", method.getBareMethodName(), i).isNull();
    }
    Status shed = start(method);
    assertThat(shed.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(shed.getDescription()).startsWith(refusal);
  }

  @Test
  void nodesAndUsersEachHaveTheirOwnCapOfCallsInFlight() {
    fill(get(), "too many requests in flight on this master (limit 2)");
    // The users' level is full; the nodes' heartbeats are still served, up to their own cap.
    fill(heartbeat(), "too many node requests in flight on this master (limit 2)");
    assertThat(served).hasSize(2 * CAP);

    // Answering a heartbeat frees a node slot and leaves the users' level full.
    served.get(CAP).close(Status.OK, new Metadata());
    assertThat(start(get()).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(start(heartbeat())).isNull();
    // Answering a user's call frees a user slot.
    served.get(0).close(Status.OK, new Metadata());
    assertThat(start(get())).isNull();
    assertThat(served).hasSize(2 * CAP + 2);
  }

  /** A unary call from 192.0.2.1 that records how the interceptor closed it, if it did. */
  private static final class Call extends ServerCall<Object, Object> {
    private final MethodDescriptor<Object, Object> method;
    Status closedWith;

    Call(MethodDescriptor<Object, Object> method) {
      this.method = method;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closedWith = status;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.newBuilder()
          .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, new InetSocketAddress("192.0.2.1", 40000))
          .build();
    }

    @Override
    public MethodDescriptor<Object, Object> getMethodDescriptor() {
      return method;
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(Object message) {}

    @Override
    public boolean isCancelled() {
      return false;
    }
  }
}
