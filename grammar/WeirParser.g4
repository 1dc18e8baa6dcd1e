// Syntax of the Weir language (LANGUAGE.md). The parse phase's AstBuilder turns these parse
// trees into Weir's own AST; nothing outside compiler/parse sees them.
//
// Newlines: the token filter (compiler/parse/TokenFilter) removes every newline that does not
// end an entry (inside ( ) and [ ], after an operator or comma, before `|`), collapses runs of
// them, and drops them after `{` and before `}`. So NL below always means "end of entry".
parser grammar WeirParser;

options { tokenVocab = WeirLexer; }

file        : NL* (declaration (NL+ declaration)*)? NL* EOF;
declarationOnly : NL* declaration NL* EOF;

declaration
  : pipelineHeader
  | importDecl
  | schemaDecl
  | sourceDecl
  | letDecl
  | modelDecl
  | metricsDecl
  | expectDecl
  | gateDecl
  | sinkDecl
  | stepDecl
  | deployDecl
  | triggerDecl
  | policyDecl
  | fnDecl
  | transformDecl
  | ruleDecl
  | unknownDecl
  ;

pipelineHeader : PIPELINE name;
importDecl
  : IMPORT modulePath=qualifiedName (AS alias=name)?
  | IMPORT path=STRING (AS alias=name)?
  ;

schemaDecl  : SCHEMA name LBRACE (columnDef (sep columnDef)* sep?)? RBRACE;
columnDef   : name COLON typeRef tag*;
tag         : AT name (LPAREN args? RPAREN)?;
typeRef     : name (LBRACK exprList? RBRACK)? QUESTION?;

sourceDecl  : SOURCE name COLON schemaRef=qualifiedName ASSIGN reader=expr settingsBlock?;
letDecl     : LET name (COMMA name)* ASSIGN tableExpr;
modelDecl   : MODEL name ASSIGN expr settingsBlock?;
metricsDecl : METRICS name ASSIGN expr (LBRACE (name (sep name)* sep?)? RBRACE)?;
expectDecl  : EXPECT name ON tableExpr LBRACE (expectRule (sep expectRule)* sep?)? RBRACE;
expectRule  : expr (SEVERITY name)?;
gateDecl    : GATE name ON qualifiedName LBRACE (expr (sep expr)* sep?)? RBRACE;
sinkDecl    : SINK name ASSIGN tableExpr TO writer=expr settingsBlock?;
stepDecl    : STEP name COLON schemaRef=qualifiedName ASSIGN command=expr settingsBlock?;
deployDecl  : DEPLOY name settingsBlock;
triggerDecl : TRIGGER name LBRACE (triggerEntry (sep triggerEntry)* sep?)? RBRACE;
triggerEntry
  : ON expr                          # triggerOn
  | RUN qualifiedName (COMMA qualifiedName)*  # triggerRun
  ;
policyDecl  : POLICY name? settingsBlock;
fnDecl      : FN declName=settingName LPAREN params? RPAREN ARROW typeRef ASSIGN expr;
transformDecl : TRANSFORM declName=settingName LPAREN params? RPAREN ASSIGN tableExpr;
ruleDecl    : RULE declName=settingName LPAREN params? RPAREN ASSIGN expr;
params      : param (COMMA param)* COMMA?;
param       : name COLON typeRef;

// A line that starts with a word that is not a declaration keyword: reported with a suggestion,
// and skipped up to the end of its block so the rest of the file is still checked.
unknownDecl : IDENT (~(NL | LBRACE | RBRACE))* balancedBlock?;
balancedBlock : LBRACE (balancedBlock | ~(LBRACE | RBRACE))* RBRACE;

settingsBlock : LBRACE (setting (sep setting)* sep?)? RBRACE;
setting
  : settingName ASSIGN expr          # valueSetting
  | settingName ASSIGN? settingsBlock  # blockSetting
  ;

sep : NL | COMMA;

// ---- Table expressions ----
tableExpr : expr (PIPE pipeOp)*;

pipeOp
  : WHERE expr                                          # whereOp
  | DERIVE assignment (COMMA assignment)*               # deriveOp
  | SELECT columnList                                   # selectOp
  | DROP columnList                                     # dropOp
  | RENAME assignment (COMMA assignment)*               # renameOp
  | JOIN ASOF expr (ON joinKey (COMMA joinKey)*)? AT_KW at=joinKey (WITHIN within=expr)?  # asofJoinOp
  | JOIN kind=(INNER | LEFT)? expr ON joinKey (COMMA joinKey)*   # joinOp
  | GROUP columnList? LBRACE (assignment (sep assignment)* sep?)? RBRACE  # groupOp
  | SORT sortKey (COMMA sortKey)*                       # sortOp
  | WINDOW (BY columnList)? ORDER sortKey (COMMA sortKey)*
      LBRACE (windowColumn (sep windowColumn)* sep?)? RBRACE  # windowOp
  | TAKE expr                                           # takeOp
  | DISTINCT columnList?                                # distinctOp
  | FILL assignment (COMMA assignment)*                 # fillOp
  | SAMPLE expr (COMMA? namedArg)*                      # sampleOp
  | UNION expr                                          # unionOp
  | PREDICT qualifiedName AS name                       # predictOp
  | qualifiedName LPAREN args? RPAREN                   # transformOp
  | IDENT (~(NL | PIPE | RBRACE | RPAREN | EOF))*       # unknownOp
  ;
assignment : name ASSIGN expr;
namedArg   : name ASSIGN expr;
columnList : name (COMMA name)*;
joinKey    : left=name (ASSIGN right=name)?;
sortKey    : name dir=(DESC | ASC)?;
// `c = lag(x)`, `c = mean(x) over 3 rows`, `c = sum(x) over 7d`.
windowColumn : name ASSIGN expr (OVER (rows=INT ROWS | span=DURATION))?;

// ---- Expressions, lowest precedence first ----
expr     : orExpr;
orExpr   : andExpr (OR andExpr)*;
andExpr  : notExpr (AND notExpr)*;
// Prefix operators are loops, not recursion: a long run of them costs the parser no stack.
notExpr  : NOT* cmpExpr;
// A comparison is an operand with an optional tail, so choosing the form needs one token.
cmpExpr   : addExpr cmpTail?;
cmpTail
  : op=(EQ | NE | LT | LE | GT | GE) addExpr              # compareTail
  | ASSIGN addExpr                                        # assignMistakeTail
  | NOT? IN (LBRACK exprList? RBRACK | setName=name)      # inTail
  | NOT? BETWEEN addExpr AND addExpr                      # betweenTail
  | IS NOT? NULL_KW                                       # isNullTail
  ;
addExpr   : mulExpr (op+=(PLUS | MINUS) mulExpr)*;
mulExpr   : unaryExpr (op+=(STAR | SLASH | PERCENT) unaryExpr)*;
unaryExpr : MINUS* postfixExpr;
postfixExpr : primary postfix*;
postfix
  : DOT settingName                # memberPostfix
  | LPAREN args? RPAREN            # callPostfix
  ;
primary
  : INT                                          # intLit
  | FLOAT                                        # floatLit
  | STRING                                       # stringLit
  | UNTERMINATED_STRING                          # unterminatedString
  | DURATION                                     # durationLit
  | (TRUE_KW | FALSE_KW)                               # boolLit
  | NULL_KW                                      # nullLit
  | name EXCEPT LBRACK exprList? RBRACK          # exceptExpr
  | name                                         # nameRef
  | LPAREN tableExpr RPAREN                      # parenExpr
  | LBRACK exprList? RBRACK                      # listExpr
  | IF expr THEN expr ELSE expr                  # ifExpr
  | CASE LBRACE (caseWhen sep?)+ (ELSE expr sep?)? RBRACE   # caseExpr
  ;
caseWhen : WHEN expr THEN expr;

args     : arg (COMMA arg)* COMMA?;
arg      : (name ASSIGN)? tableExpr;
exprList : expr (COMMA expr)* COMMA?;

qualifiedName : name (DOT settingName)*;

// Names: identifiers, backquoted names, and the soft keywords (allowed wherever a name is).
name
  : IDENT | QUOTED_IDENT
  | SCHEMA | SOURCE | MODEL | METRICS | STEP | RULE | GATE | SINK | POLICY | TRANSFORM
  | TRIGGER | DEPLOY | PIPELINE
  | SELECT | DROP | RENAME | GROUP | SORT | TAKE | DISTINCT | FILL | SAMPLE | UNION | PREDICT
  | DERIVE | JOIN
  | INNER | LEFT | DESC | ASC | SEVERITY | RUN | TO
  | WINDOW | OVER | ROWS | ORDER | BY | ASOF | AT_KW | WITHIN
  ;

// Setting names, members after a dot and the names of functions, rules and transforms may be
// any word, keywords included (`model = risk` in a deploy, `quality.between(...)`).
settingName
  : name | IMPORT | LET | EXPECT | FN | WHERE | AS | ON | EXCEPT | AND | OR | NOT | IN
  | BETWEEN | IS | IF | THEN | ELSE | CASE | WHEN | NULL_KW
  ;
