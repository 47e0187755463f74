#pragma once
// The second-factor jobs, built together around their settings: what the
// JSON API, the hosted pages and the admin API share (one per server, made
// by the composition root).
#include "mfa/enrolment.hpp"
#include "mfa/options.hpp"
#include "mfa/passkeys.hpp"
#include "mfa/sign_in_step.hpp"

namespace latchkey::mfa {

class SecondFactors {
 public:
  SecondFactors(auth::Service& service, Options options)
      : options_(std::move(options)),
        enrolment_(service, options_),
        passkeys_(service, options_.passkeys),
        step_(service, enrolment_, passkeys_, options_) {}
  SecondFactors(const SecondFactors&) = delete;
  SecondFactors& operator=(const SecondFactors&) = delete;

  const Options& options() const { return options_; }
  Enrolment& enrolment() { return enrolment_; }
  Passkeys& passkeys() { return passkeys_; }
  SignInStep& sign_in_step() { return step_; }

 private:
  Options options_;
  Enrolment enrolment_;
  Passkeys passkeys_;
  SignInStep step_;
};

}  // namespace latchkey::mfa
