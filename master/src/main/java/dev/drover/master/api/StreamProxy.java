package dev.drover.master.api;

import dev.drover.api.v1.AgentServiceGrpc;
import dev.drover.api.v1.ExecInput;
import dev.drover.api.v1.ExecOutput;
import dev.drover.api.v1.ExecRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PortForwardInput;
import dev.drover.api.v1.PortForwardOutput;
import dev.drover.api.v1.PortForwardRequest;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.registry.Registry;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Carries the interactive streams of the API (Exec, PortForward) to the node agent that runs the
 * pod: finds the pod's node from this master's cache, rewrites the first message (defaults, pod
 * uid), then relays messages both ways until either side ends. Each stream is tracked in the {@link
 * StreamRegistry} so a draining master ends it with UNAVAILABLE.
 */
public final class StreamProxy {
  /** Interactive sessions and forwards are long; they still get a (generous) deadline. */
  private static final long DEADLINE_SECONDS = TimeUnit.DAYS.toSeconds(1);

  private final WatchCache cache;
  private final AgentChannels agents;
  private final StreamRegistry streams;

  /** A proxy that looks pods up in {@code cache} and reaches agents through {@code agents}. */
  public StreamProxy(WatchCache cache, AgentChannels agents, StreamRegistry streams) {
    this.cache = cache;
    this.agents = agents;
    this.streams = streams;
  }

  /** Where a pod's container runs: the agent's channel, the pod, and the container's name. */
  public record PodTarget(Channel channel, Pod pod, String namespace, String container) {}

  /**
   * Finds the agent of a scheduled pod and the container meant ({@code container} may be empty when
   * the pod has one; {@code needContainer} false skips the container check).
   */
  public PodTarget target(
      String namespace, String podName, String container, boolean needContainer) {
    if (podName.isEmpty()) {
      throw ApiErrors.invalid("pod", "is required");
    }
    String ns = Registry.namespaceOf(Kind.KIND_POD, namespace);
    Pod pod =
        cache
            .get(Kind.KIND_POD, ns, podName)
            .orElseThrow(() -> ApiErrors.notFound("Pod " + ns + "/" + podName))
            .getPod();
    String chosen = needContainer ? containerOf(pod, ns, container) : container;
    if (pod.getSpec().getNodeName().isEmpty()) {
      throw ApiErrors.failedPrecondition(
          "pod " + ns + "/" + podName + " is not scheduled to a node yet");
    }
    Node node =
        cache
            .get(Kind.KIND_NODE, "", pod.getSpec().getNodeName())
            .orElseThrow(() -> ApiErrors.notFound("Node " + pod.getSpec().getNodeName()))
            .getNode();
    if (!node.getStatus().hasDaemonEndpoint()
        || node.getStatus().getDaemonEndpoint().getPort() == 0) {
      throw ApiErrors.unavailable(
          "node " + node.getMetadata().getName() + " has not published its agent endpoint");
    }
    var ep = node.getStatus().getDaemonEndpoint();
    return new PodTarget(agents.get(ep.getAddress(), ep.getPort()), pod, ns, chosen);
  }

  private static String containerOf(Pod pod, String ns, String container) {
    if (container.isEmpty()) {
      if (pod.getSpec().getContainersCount() != 1) {
        throw ApiErrors.invalid(
            "container",
            "the pod has " + pod.getSpec().getContainersCount() + " containers; name one");
      }
      return pod.getSpec().getContainers(0).getName();
    }
    boolean known =
        pod.getSpec().getContainersList().stream().anyMatch(x -> x.getName().equals(container))
            || pod.getSpec().getInitContainersList().stream()
                .anyMatch(x -> x.getName().equals(container));
    if (!known) {
      throw ApiErrors.invalid(
          "container",
          "pod " + ns + "/" + pod.getMetadata().getName() + " has no container " + container);
    }
    return container;
  }

  /** Serves ControlService.Exec. */
  public StreamObserver<ExecInput> exec(StreamObserver<ExecOutput> out) {
    return relay(
        out,
        first -> {
          if (!first.hasStart()) {
            throw ApiErrors.invalid("start", "the first message of Exec must carry start");
          }
          ExecRequest r = first.getStart();
          if (r.getCommandCount() == 0) {
            throw ApiErrors.invalid("start.command", "is required");
          }
          PodTarget t = target(r.getNamespace(), r.getPod(), r.getContainer(), true);
          ExecRequest routed =
              r.toBuilder().setNamespace(t.namespace()).setContainer(t.container()).build();
          return new Route<>(t.channel(), ExecInput.newBuilder().setStart(routed).build());
        },
        (stub, down) -> stub.exec(down));
  }

  /** Serves ControlService.PortForward. */
  public StreamObserver<PortForwardInput> portForward(StreamObserver<PortForwardOutput> out) {
    return relay(
        out,
        first -> {
          if (!first.hasStart()) {
            throw ApiErrors.invalid("start", "the first message of PortForward must carry start");
          }
          PortForwardRequest r = first.getStart();
          if (r.getPort() < 1 || r.getPort() > 65535) {
            throw ApiErrors.invalid("start.port", "must be between 1 and 65535");
          }
          PodTarget t = target(r.getNamespace(), r.getPod(), "", false);
          PortForwardRequest routed =
              r.toBuilder()
                  .setNamespace(t.namespace())
                  .setPodUid(t.pod().getMetadata().getUid())
                  .build();
          return new Route<>(t.channel(), PortForwardInput.newBuilder().setStart(routed).build());
        },
        (stub, down) -> stub.portForward(down));
  }

  private record Route<I>(Channel channel, I first) {}

  /**
   * Relays one bidirectional call: the first client message picks the agent ({@code route}), {@code
   * open} starts the agent's call, and from then on messages, half-close and cancellation pass
   * through.
   */
  private <I, O> StreamObserver<I> relay(
      StreamObserver<O> out,
      Function<I, Route<I>> route,
      BiFunction<AgentServiceGrpc.AgentServiceStub, StreamObserver<O>, StreamObserver<I>> open) {
    ServerCallStreamObserver<O> call = (ServerCallStreamObserver<O>) out;
    Relay<I, O> relay = new Relay<>(call);
    call.setOnCancelHandler(
        () -> {
          streams.remove(relay);
          relay.cancelUpstream("client cancelled");
        });
    if (!streams.add(relay)) {
      out.onError(ApiErrors.unavailable("master is shutting down; ask another master"));
      return relay.ignoring();
    }
    return new StreamObserver<>() {
      private boolean started;

      @Override
      public void onNext(I message) {
        if (started) {
          relay.sendUp(message);
          return;
        }
        started = true;
        Route<I> r;
        try {
          r = route.apply(message);
        } catch (Throwable t) {
          streams.remove(relay);
          relay.abort(Calls.toStatus(t).getStatus());
          return;
        }
        open.apply(
            AgentServiceGrpc.newStub(r.channel())
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
            relay.downstream(() -> streams.remove(relay)));
        relay.sendUp(r.first());
      }

      @Override
      public void onError(Throwable t) {
        streams.remove(relay);
        relay.cancelUpstream("client failed");
      }

      @Override
      public void onCompleted() {
        if (!started) {
          streams.remove(relay);
          relay.abort(Status.INVALID_ARGUMENT.withDescription("the call sent no start message"));
          return;
        }
        relay.halfCloseUp();
      }
    };
  }

  /** The state of one relayed call; every step on either side holds its lock. */
  private static final class Relay<I, O> implements StreamRegistry.Stream {
    private final ServerCallStreamObserver<O> call;
    private ClientCallStreamObserver<I> upstream;
    private boolean ended;
    private boolean upstreamDone;
    private boolean halfClosed;

    Relay(ServerCallStreamObserver<O> call) {
      this.call = call;
    }

    @Override
    public synchronized void abort(Status status) {
      if (!ended && !call.isCancelled()) {
        call.onError(status.asRuntimeException());
      }
      ended = true;
      cancelUpstream(status.getDescription());
    }

    synchronized void cancelUpstream(String why) {
      ended = true;
      if (upstream != null && !upstreamDone) {
        upstreamDone = true;
        upstream.cancel(why, null);
      }
    }

    synchronized void sendUp(I message) {
      if (!ended && upstream != null && !upstreamDone && !halfClosed) {
        upstream.onNext(message);
      }
    }

    synchronized void halfCloseUp() {
      if (!ended && upstream != null && !upstreamDone && !halfClosed) {
        halfClosed = true;
        upstream.onCompleted();
      }
    }

    StreamObserver<I> ignoring() {
      return new StreamObserver<>() {
        @Override
        public void onNext(I value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }

    ClientResponseObserver<I, O> downstream(Runnable onEnd) {
      Relay<I, O> self = this;
      return new ClientResponseObserver<>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<I> requestStream) {
          synchronized (self) {
            upstream = requestStream;
          }
        }

        @Override
        public void onNext(O value) {
          synchronized (self) {
            if (!ended && !call.isCancelled()) {
              call.onNext(value);
            }
          }
        }

        @Override
        public void onError(Throwable t) {
          onEnd.run();
          synchronized (self) {
            upstreamDone = true;
            if (!ended && !call.isCancelled()) {
              ended = true;
              Status s = Status.fromThrowable(t);
              call.onError(
                  s.withDescription("node agent: " + s.getDescription()).asRuntimeException());
            }
          }
        }

        @Override
        public void onCompleted() {
          onEnd.run();
          synchronized (self) {
            upstreamDone = true;
            if (!ended && !call.isCancelled()) {
              ended = true;
              call.onCompleted();
            }
          }
        }
      };
    }
  }
}
