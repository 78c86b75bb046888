package dev.drover.testing;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.util.function.Function;

/**
 * Chosen callers for servers under test, without certificates or tokens: a client stub names its
 * caller in a test-only header ({@link #as}), and the server-side interceptor ({@link
 * #authenticator}) turns that name into whatever the server keeps in the gRPC {@link Context} for
 * the caller (a principal, say). A call without the header gets no value, as an unauthenticated
 * call would.
 */
public final class TestCallers {
  /** The test-only header naming the caller. */
  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("x-drover-test-caller", Metadata.ASCII_STRING_MARSHALLER);

  private TestCallers() {}

  /** {@code stub} with every call made as {@code caller}. */
  public static <S extends AbstractStub<S>> S as(S stub, String caller) {
    Metadata headers = new Metadata();
    headers.put(HEADER, caller);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /**
   * A server interceptor that puts {@code parse(caller)} under {@code key} for calls naming a
   * caller, and nothing for the others (or when {@code parse} answers null).
   */
  public static <T> ServerInterceptor authenticator(Context.Key<T> key, Function<String, T> parse) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String caller = headers.get(HEADER);
        T value = caller == null ? null : parse.apply(caller);
        if (value == null) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(key, value), call, headers, next);
      }
    };
  }
}
