// Tokens of the Weir language (LANGUAGE.md section 2).
// Newlines are real tokens; the parse phase's token filter decides which of them end an entry.
lexer grammar WeirLexer;

// Declaration keywords.
PIPELINE  : 'pipeline';
IMPORT    : 'import';
SCHEMA    : 'schema';
SOURCE    : 'source';
LET       : 'let';
MODEL     : 'model';
METRICS   : 'metrics';
EXPECT    : 'expect';
GATE      : 'gate';
SINK      : 'sink';
STEP      : 'step';
DEPLOY    : 'deploy';
TRIGGER   : 'trigger';
POLICY    : 'policy';
FN        : 'fn';
TRANSFORM : 'transform';
RULE      : 'rule';

// Table operators.
WHERE    : 'where';
DERIVE   : 'derive';
SELECT   : 'select';
DROP     : 'drop';
RENAME   : 'rename';
JOIN     : 'join';
GROUP    : 'group';
SORT     : 'sort';
TAKE     : 'take';
DISTINCT : 'distinct';
FILL     : 'fill';
SAMPLE   : 'sample';
UNION    : 'union';
PREDICT  : 'predict';
WINDOW   : 'window';

// Other keywords. Most are soft: the parser accepts them as names too.
AS       : 'as';
ON       : 'on';
TO       : 'to';
RUN      : 'run';
INNER    : 'inner';
LEFT     : 'left';
DESC     : 'desc';
ASC      : 'asc';
SEVERITY : 'severity';
EXCEPT   : 'except';
AND      : 'and';
OR       : 'or';
NOT      : 'not';
IN       : 'in';
BETWEEN  : 'between';
IS       : 'is';
IF       : 'if';
THEN     : 'then';
ELSE     : 'else';
CASE     : 'case';
WHEN     : 'when';
// Windows and as-of joins (soft).
OVER     : 'over';
ROWS     : 'rows';
ORDER    : 'order';
BY       : 'by';
ASOF     : 'asof';
AT_KW    : 'at';
WITHIN   : 'within';
TRUE_KW  : 'true';
FALSE_KW : 'false';
NULL_KW  : 'null';

// Punctuation and operators.
ARROW    : '->';
// Operators of other languages, recognised to say how Weir writes them (`and`, `or`, `not`).
C_AND    : '&&';
C_OR     : '||';
EQ       : '==';
NE       : '!=';
C_NOT    : '!';
LE       : '<=';
GE       : '>=';
LT       : '<';
GT       : '>';
ASSIGN   : '=';
PLUS     : '+';
MINUS    : '-';
STAR     : '*';
SLASH    : '/';
PERCENT  : '%';
PIPE     : '|';
COMMA    : ',';
DOT      : '.';
COLON    : ':';
QUESTION : '?';
AT       : '@';
LPAREN   : '(';
RPAREN   : ')';
LBRACK   : '[';
RBRACK   : ']';
LBRACE   : '{';
RBRACE   : '}';

// Literals. A duration is digits directly followed by a unit.
DURATION : DIGITS ('d' | 'h' | 'm' | 's' | 'w');
FLOAT
  : DIGITS '.' DIGITS EXPONENT?
  | DIGITS EXPONENT
  ;
INT      : DIGITS;
// Any backslash pair is lexed as an escape; the AST builder reports the ones that are not valid.
STRING   : '"' ('\\' ~[\r\n] | ~["\\\r\n])* '"';
UNTERMINATED_STRING : '"' ('\\' ~[\r\n] | ~["\\\r\n])*;

IDENT    : [A-Za-z_] [A-Za-z0-9_]*;
QUOTED_IDENT : '`' ~[`\r\n]+ '`';

// Trivia. Comments are kept by the token filter (for doc comments and the formatter).
DOC_COMMENT   : '///' ~[\r\n]* -> channel(HIDDEN);
LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN);
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN);
NL            : '\r'? '\n';
WS            : [ \t\f]+ -> skip;

// Anything else becomes one token the parser rejects with a clear message.
UNKNOWN_CHAR  : .;

fragment DIGITS   : [0-9] ('_'? [0-9])*;
fragment EXPONENT : [eE] [+-]? [0-9]+;
