package dev.drover.master.wiring;

import com.google.rpc.BadRequest.FieldViolation;
import dev.drover.api.v1.Object;
import dev.drover.master.registry.ObjectValidator;
import dev.drover.master.validation.Defaulter;
import dev.drover.master.validation.Operation;
import dev.drover.master.validation.Validator;
import java.util.ArrayList;
import java.util.List;

/**
 * The full validation rules as the store's {@link ObjectValidator}: defaults come from {@link
 * Defaulter}, checks from {@link Validator} (a create when there is no stored version, an update
 * otherwise), and every violation is handed back in the API's BadRequest form.
 */
public final class RulesValidator implements ObjectValidator {
  private final Defaulter defaulter = new Defaulter();
  private final Validator validator = new Validator();

  @Override
  public Object applyDefaults(Object object) {
    return defaulter.withDefaults(object);
  }

  @Override
  public List<FieldViolation> validate(Object object, Object old) {
    Operation op = old == null ? Operation.CREATE : Operation.UPDATE;
    List<FieldViolation> out = new ArrayList<>();
    for (dev.drover.master.validation.FieldViolation v : validator.validate(object, op, old)) {
      out.add(
          FieldViolation.newBuilder().setField(v.field()).setDescription(v.description()).build());
    }
    return out;
  }
}
