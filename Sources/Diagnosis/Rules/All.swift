let allRules: [any DiagnosisRule.Type] = []
